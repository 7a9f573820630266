"""Organiser sessions and abuse defences, on a registration app of its own (own database, own settings):
12-hour sessions ended by logging out even where the cookie was copied, Secure behind HTTPS, a forged cookie
refused, login throttling per account and address that cannot lock an organiser out from elsewhere, rate
limits on the public JSON writes, redirects that stay on the site, cancel links that end with the evening."""
import concurrent.futures
import datetime as dt
import re
import uuid

import pytest
from flask import Flask
from pymongo import MongoClient

from registration.adapters.store import Store
from registration.web.app import create_app
from registration.web.passwords import hash_password

PASSWORD = "een-lang-wachtwoord"
ORGANISER = {"Authorization": "Bearer dev-organiser-token"}


@pytest.fixture()
def make_app(stack, monkeypatch):
    client = MongoClient(stack.env.get("MONGODB_URI", "mongodb://127.0.0.1:27117/"), tz_aware=True)
    names = []

    def make(**settings):
        for name, value in settings.items():
            monkeypatch.setenv(f"REGISTRATION_{name}", str(value))
        name = f"registration_sessions_{uuid.uuid4().hex[:8]}"
        names.append(name)
        db = client[name]
        app = create_app(db)
        app.testing = True
        app.email = f"org.{uuid.uuid4().hex[:6]}@example.org"
        Store(db).insert_account(app.email, hash_password(PASSWORD))
        return app

    yield make
    for name in names:
        client.drop_database(name)
    client.close()


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def log_in(http, email, password=PASSWORD, next_=None, address="127.0.0.1"):
    url = "/inloggen" + (f"?next={next_}" if next_ is not None else "")
    page = http.get(url, environ_base={"REMOTE_ADDR": address})
    return http.post(url, data={"csrf_token": csrf(page.text), "email": email, "password": password},
                     environ_base={"REMOTE_ADDR": address})


def session_cookie(response) -> str:
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))


def test_a_session_lasts_twelve_hours_and_logging_out_ends_it_for_a_copied_cookie_too(make_app):
    app = make_app()
    http = app.test_client()
    r = log_in(http, app.email)
    assert r.status_code == 303 and r.headers["Location"].endswith("/organisator")
    assert "Max-Age=43200" in session_cookie(r) or "Expires=" in session_cookie(r)
    expires = re.search(r"Expires=([^;]+)", session_cookie(r)).group(1)
    lasts = dt.datetime.strptime(expires, "%a, %d %b %Y %H:%M:%S GMT").replace(tzinfo=dt.timezone.utc) - \
        dt.datetime.now(dt.timezone.utc)
    assert dt.timedelta(hours=11, minutes=55) < lasts <= dt.timedelta(hours=12, minutes=1)
    assert "Secure" not in session_cookie(r)  # plain http in development
    copy = app.test_client()
    copy.set_cookie("session", http.get_cookie("session").value)
    assert copy.get("/organisator").status_code == 200
    console = http.get("/organisator")
    assert console.status_code == 200
    out = http.post("/uitloggen", data={"csrf_token": csrf(console.text)})
    assert out.status_code == 303
    assert http.get("/organisator").status_code == 302
    assert copy.get("/organisator").status_code == 302  # the copied cookie no longer opens anything


def test_the_cookie_is_secure_behind_https(make_app):
    app = make_app(PUBLIC_BASE_URL="https://wijkkracht.example")
    r = log_in(app.test_client(), app.email)
    assert "Secure" in session_cookie(r) and "HttpOnly" in session_cookie(r)
    app = make_app(PUBLIC_BASE_URL="https://wijkkracht.example", SESSION_COOKIE_SECURE="0")
    assert "Secure" not in session_cookie(log_in(app.test_client(), app.email))


def test_a_cookie_forged_with_the_development_key_does_not_open_the_console_in_production(make_app, monkeypatch):
    for name in ("SESSION_SECRET", "LINK_SECRET", "PERSON_ID_SECRET", "ORGANISER_TOKENS"):
        monkeypatch.setenv(name, name.lower() + "-" + uuid.uuid4().hex)
    monkeypatch.setenv("WIJKKRACHT_ENV", "production")
    app = make_app()
    forger = Flask("forger")
    for key in ("dev-secret-change-me", *(__import__("wijkkracht.config").config._derived(n, "registration")
                                          for n in ("SESSION_SECRET",))):
        forger.secret_key = key
        cookie = forger.session_interface.get_signing_serializer(forger).dumps(
            {"organiser": app.email, "sid": "guessed"})
        http = app.test_client()
        http.set_cookie("session", cookie)
        assert http.get("/organisator").status_code == 302


def test_failing_logins_elsewhere_do_not_lock_the_organiser_out(make_app):
    app = make_app(LOGIN_MAX_FAILURES=3, LOGIN_MAX_FAILURES_PER_ADDRESS=10)
    attacker = app.test_client()
    statuses = [log_in(attacker, app.email, "fout-fout-fout", address="203.0.113.9").status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 429, 429]
    assert log_in(attacker, app.email, address="203.0.113.9").status_code == 429  # even the right password
    assert log_in(app.test_client(), app.email, address="198.51.100.4").status_code == 303  # the organiser


def test_one_address_guessing_over_many_accounts_is_throttled(make_app):
    app = make_app(LOGIN_MAX_FAILURES=3, LOGIN_MAX_FAILURES_PER_ADDRESS=4)
    http = app.test_client()
    statuses = [log_in(http, f"x{i}@example.org", "fout-fout", address="203.0.113.7").status_code for i in range(6)]
    assert statuses == [401] * 4 + [429] * 2


def test_a_burst_of_parallel_guesses_gets_no_more_tries_than_the_limit(make_app):
    app = make_app(LOGIN_MAX_FAILURES=3, LOGIN_MAX_FAILURES_PER_ADDRESS=100)
    clients = [app.test_client() for _ in range(12)]
    pages = [(c, csrf(c.get("/inloggen").text)) for c in clients]

    def guess(pair):
        c, token = pair
        return c.post("/inloggen", data={"csrf_token": token, "email": app.email, "password": "fout-fout"},
                      environ_base={"REMOTE_ADDR": "203.0.113.5"}).status_code

    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        statuses = list(pool.map(guess, pages))
    assert statuses.count(401) == 3 and statuses.count(429) == 9, statuses


@pytest.mark.parametrize("target", [
    "//evil.example/", "/\\evil.example", "https://evil.example/", "http:/evil.example", "%2F%2Fevil.example",
    "/%2F/evil.example", "/%5Cevil.example", "%252F%252Fevil.example", "/\t/evil.example", "javascript:alert(1)",
    "evil.example", "/%09/evil.example"])
def test_login_never_redirects_off_the_site(make_app, target):
    app = make_app()
    r = log_in(app.test_client(), app.email, next_=target)
    assert r.status_code == 303 and r.headers["Location"] == "/organisator", r.headers["Location"]


def test_login_and_lifecycle_buttons_redirect_to_a_path_on_the_site(make_app):
    app = make_app()
    http = app.test_client()
    assert log_in(http, app.email, next_="/deur/abc?x=1").headers["Location"] == "/deur/abc?x=1"
    meeting = http.post("/api/v1/meetings", headers=ORGANISER, json={
        "title": "Avond", "starts_at": (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=3)).isoformat(),
        "venue": "Buurthuis", "area": "Noord", "partners": [], "initiative_ids": []}).get_json()
    token = csrf(http.get("/organisator").text)
    for back, expected in (("https://evil.example/", "/organisator"), ("//evil.example", "/organisator"),
                           (f"/deur/{meeting['id']}", f"/deur/{meeting['id']}")):
        r = http.post(f"/organisator/{meeting['id']}/open_checkin", data={"csrf_token": token, "back": back})
        assert r.status_code == 303 and r.headers["Location"] == expected, (back, r.headers["Location"])


def test_public_json_writes_are_rate_limited_per_client_address(make_app):
    app = make_app(API_RATE_PER_MINUTE=3, TRUSTED_PROXIES=1)
    http = app.test_client()

    def post(address, forwarded_by_client=""):
        chain = f"{forwarded_by_client}, {address}" if forwarded_by_client else address
        return http.post("/api/v1/initiatives", json={"name": ""},
                         headers={"X-Forwarded-For": chain}, environ_base={"REMOTE_ADDR": "10.0.0.1"})

    # A minute's window may turn over mid-test: then the count starts again, so allow one more round.
    answers = [post("203.0.113.1") for _ in range(8)]
    limited = [r for r in answers if r.status_code == 429]
    assert answers[0].status_code != 429 and limited
    assert limited[0].get_json()["error"]["code"] == "too_many_requests"
    assert 1 <= int(limited[0].headers["Retry-After"]) <= 61
    # Another client behind the same proxy is not limited; a client writing its own X-Forwarded-For is not
    # taken for another.
    assert post("203.0.113.2").status_code != 429
    assert post("203.0.113.1", forwarded_by_client="198.51.100.77").status_code == 429
    # Organisers are not limited.
    assert http.post("/api/v1/initiatives", json={"name": ""}, headers={**ORGANISER, "X-Forwarded-For": "203.0.113.1"},
                     environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code != 429


def test_without_trusted_proxies_the_peer_address_counts_not_x_forwarded_for(make_app):
    app = make_app(API_RATE_PER_MINUTE=2)
    http = app.test_client()
    answers = [http.post("/api/v1/initiatives", json={"name": ""}, headers={"X-Forwarded-For": f"198.51.100.{i}"},
                         environ_base={"REMOTE_ADDR": "203.0.113.3"}).status_code for i in range(6)]
    assert 429 in answers


def test_a_cancel_link_ends_with_the_evening_with_a_clear_page(make_app):
    app = make_app()
    http = app.test_client()
    meeting = http.post("/api/v1/meetings", headers=ORGANISER, json={
        "title": "Avond", "starts_at": (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=3)).isoformat(),
        "venue": "Buurthuis", "area": "Noord", "partners": [], "initiative_ids": []}).get_json()
    signed_up = http.post(f"/api/v1/meetings/{meeting['id']}/registrations", json={
        "name": "Fatima El Amrani", "email": f"f.{uuid.uuid4().hex[:6]}@example.org", "languages": ["nl"],
        "interests": [], "preferred_channel": "email", "consent": {"contact": True, "share_with_initiatives": False}})
    assert signed_up.status_code in (200, 201, 202), signed_up.text
    # The link the resident's confirmation carries (the registration keeps it for the message).
    db = app.extensions["registration.store"].db
    cancel_url = db.registrations.find_one({"meeting_id": meeting["id"]})["cancel_url"]
    path = "/" + cancel_url.split("/", 3)[3]
    assert http.get(path).status_code == 200
    assert http.post(f"/api/v1/meetings/{meeting['id']}/close", headers=ORGANISER).status_code == 200
    gone = http.get(path + "?lang=en")
    assert gone.status_code == 404 and "This link is not valid or has expired." in gone.text
    # Someone else's phone, no language chosen (the English above stays with its own browser, by cookie):
    assert "Deze link klopt niet of is verlopen." in app.test_client().get(path).text


def test_a_confirmation_page_address_works_for_an_hour(make_app, monkeypatch):
    import time
    from registration.web import tokens
    app = make_app()
    with app.test_request_context("/"):
        token = tokens.confirmation_token("r1")
        assert tokens.registration_from_confirmation_token(token) == "r1"
        made_at = time.time()
        monkeypatch.setattr(time, "time", lambda: made_at + 3700)
        assert tokens.registration_from_confirmation_token(token) is None
        assert tokens.registration_from_confirmation_token(tokens.cancel_token("r1")) is None  # another kind
