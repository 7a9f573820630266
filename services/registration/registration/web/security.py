"""Page defences: CSRF tokens bound to the session, a honeypot field, rate limits, the organiser's login
(a server-side session record per login, so logging out ends it wherever the cookie was copied to), and
redirects that only ever stay on this site."""
import datetime as dt
import functools
import hashlib
import hmac
import re
import secrets
import urllib.parse

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


# --- the client's address ----------------------------------------------------------------------------------

def client_address() -> str:
    """The client's address: the peer's, or, behind TRUSTED_PROXIES reverse proxies, the one the outermost of
    them saw (each appends the address it got to X-Forwarded-For; anything further left the client wrote)."""
    trusted = config.trusted_proxies()
    if trusted:
        forwarded = [a.strip() for a in request.headers.get("X-Forwarded-For", "").split(",") if a.strip()]
        if len(forwarded) >= trusted:
            return forwarded[-trusted][:100]
    return request.remote_addr or "?"


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]


def client_bucket(kind: str) -> str:
    """A rate-limit bucket per client address, hashed: the address itself is never stored."""
    return kind + ":" + _digest(client_address())


def over_signup_limit() -> bool:
    return store().hit(client_bucket("signup"), 60) > config.signup_rate_limit_per_minute()


# --- the JSON API's public writes ----------------------------------------------------------------------------
RATE_LIMITED = [re.compile(r"^/api/v1/meetings/[^/]+/registrations/?$"), re.compile(r"^/api/v1/initiatives/?$")]
RATE_WINDOW_S = 60


def api_rate_limited() -> int | None:
    """Seconds to wait when this client address has posted more sign-ups or initiatives this minute than
    API_RATE_PER_MINUTE allows; None if it may go on. Organisers (a bearer token) are not limited."""
    limit = config.api_rate_limit_per_minute()
    if limit <= 0 or request.method != "POST" or not any(p.match(request.path) for p in RATE_LIMITED):
        return None
    from wijkkracht.web import organiser_token_valid
    if organiser_token_valid(request.headers.get("Authorization")):
        return None
    # One counter per address and window, counted atomically before the request does anything.
    if store().hit(client_bucket("api-write"), RATE_WINDOW_S) <= limit:
        return None
    now = dt.datetime.now(dt.timezone.utc).timestamp()
    return max(1, int(RATE_WINDOW_S - now % RATE_WINDOW_S) + 1)


# --- login throttling ---------------------------------------------------------------------------------------
# Failures count per account *from this address* and per address over all accounts, never per account alone:
# someone elsewhere failing with an organiser's email only throttles themselves, not the organiser.
# Each attempt takes its place in the counters atomically before the password is checked (a conditional
# upsert, so a burst of parallel guesses cannot all slip in under the limit); a success gives it back.

def _login_buckets(email: str) -> list[tuple[str, int]]:
    return [("login:" + _digest(email.lower(), client_address()), config.login_max_failures()),
            (client_bucket("login"), config.login_max_failures_per_address())]


def take_login_attempt(email: str) -> bool:
    """Count one attempt; False (and the attempt not counted against the others) when over a limit."""
    window = config.login_lockout_seconds()
    taken = []
    for bucket, limit in _login_buckets(email):
        taken.append(bucket)
        if store().hit(bucket, window) > limit:
            for b in taken:
                _give_back(b, window)
            return False
    return True


def login_succeeded(email: str):
    """A right password does not count as a failure."""
    window = config.login_lockout_seconds()
    for bucket, _limit in _login_buckets(email):
        _give_back(bucket, window)


def _give_back(bucket: str, window: int):
    window_index = int(dt.datetime.now(dt.timezone.utc).timestamp()) // window
    key = hashlib.sha256(f"{bucket}:{window_index}".encode()).hexdigest()
    store().db.throttle.update_one({"_id": key, "n": {"$gt": 0}}, {"$inc": {"n": -1}})


# --- organiser sessions -------------------------------------------------------------------------------------
# The cookie holds a random session id; the record (keyed by its hash) says whose it is and until when.
# Logging out deletes the record, so a copied cookie stops working too.

def _record_id(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start_session(email: str):
    session.clear()
    session.permanent = True
    session_id = secrets.token_urlsafe(32)
    now = dt.datetime.now(dt.timezone.utc)
    # This organiser's expired records go now (no TTL index everywhere; an organiser has a handful).
    store().db.organiser_sessions.delete_many({"organiser": email, "expires_at": {"$lt": now}})
    store().db.organiser_sessions.insert_one({
        "_id": _record_id(session_id), "organiser": email, "created_at": now,
        "expires_at": now + dt.timedelta(hours=config.session_hours())})
    session["organiser"] = email
    session["sid"] = session_id


def end_session():
    session_id = session.get("sid")
    if session_id:
        store().db.organiser_sessions.delete_one({"_id": _record_id(session_id)})
    session.clear()


def current_organiser() -> str | None:
    """Whose session this is, if its record is still there and not expired (nor the cookie forged: the
    cookie is signed with SESSION_SECRET)."""
    email, session_id = session.get("organiser"), session.get("sid")
    if not email or not session_id:
        return None
    record = store().db.organiser_sessions.find_one({"_id": _record_id(session_id)})
    expires_at = record and record.get("expires_at")
    if expires_at is not None and expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=dt.timezone.utc)
    if not record or record.get("organiser") != email or expires_at <= dt.datetime.now(dt.timezone.utc):
        return None
    return email


def organiser_required(view):
    """Pages for organisers and door volunteers: a logged-in session."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not current_organiser():
            session.pop("organiser", None)
            return redirect(url_for("door.login", next=request.path))
        if request.method == "POST" and not csrf_valid():
            abort(400, "csrf")
        return view(*args, **kwargs)

    return wrapper


# --- redirects ----------------------------------------------------------------------------------------------

def safe_path(target: str | None, fallback: str) -> str:
    """``target`` if it is a path on this site, else ``fallback``: never ``//host``, ``/\\host``, a scheme,
    or any of these percent-encoded or hidden behind control characters (browsers drop tabs and newlines
    and read a backslash as a slash)."""
    if not target or len(target) > 2000:
        return fallback
    decoded = target
    for _ in range(3):  # %252F%252F... decodes to //... only after a few rounds
        decoded = urllib.parse.unquote(decoded)
    if (not target.startswith("/") or any(ord(c) < 0x20 or c == "\x7f" for c in decoded)
            or "\\" in decoded or decoded.startswith("//")):
        return fallback
    parsed = urllib.parse.urlsplit(decoded)
    if parsed.scheme or parsed.netloc:
        return fallback
    return target
