"""Page defences: CSRF tokens bound to the session, a honeypot field, rate limits, the organiser's login."""
import functools
import hashlib
import hmac
import secrets

from flask import abort, redirect, request, session, url_for

from .. import config
from .runtime import store

HONEYPOT = "website"  # a field people never see; bots fill it in


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def csrf_valid() -> bool:
    given = request.form.get("csrf_token", "")
    expected = session.get("csrf", "")
    return bool(given and expected) and hmac.compare_digest(given, expected)


def is_bot() -> bool:
    return bool(request.form.get(HONEYPOT, "").strip())


def client_bucket(kind: str) -> str:
    """A rate-limit bucket per client address, hashed: the address itself is never stored."""
    # remote_addr only: a client could set X-Forwarded-For to anything. Behind a proxy, wrap the app in
    # werkzeug's ProxyFix so remote_addr is the client's.
    address = request.remote_addr or "?"
    return kind + ":" + hashlib.sha256(address.encode()).hexdigest()[:32]


def over_signup_limit() -> bool:
    return store().hit(client_bucket("signup"), 60) > config.signup_rate_limit_per_minute()


def login_locked(email: str) -> bool:
    window = config.login_lockout_seconds()
    limit = config.login_max_failures()
    return (store().hits("login-fail:" + email.lower(), window) >= limit
            or store().hits(client_bucket("login-fail"), window) >= limit * 10)


def record_login_failure(email: str):
    window = config.login_lockout_seconds()
    store().hit("login-fail:" + email.lower(), window)
    store().hit(client_bucket("login-fail"), window)


def organiser_required(view):
    """Pages for organisers and door volunteers: a logged-in session."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not session.get("organiser"):
            return redirect(url_for("door.login", next=request.path))
        if request.method == "POST" and not csrf_valid():
            abort(400, "csrf")
        return view(*args, **kwargs)

    return wrapper
