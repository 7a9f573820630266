"""create_app(): the registration api and pages, one Flask app per gunicorn worker."""
import datetime as dt
import hashlib
import json
import logging

from flask import Flask, Response, abort, request
from werkzeug.exceptions import HTTPException
from flask_smorest import Api
from wijkkracht import logging as wlogging
from wijkkracht import mongo
from wijkkracht.web import ErrorSchema, health_blueprint, install_json_errors, install_request_metrics, json_error

from .. import SERVICE, config
from ..adapters.store import Store, ensure_indexes
from ..domain.errors import DomainError
from .runtime import store

log = logging.getLogger(__name__)


def create_app(db=None) -> Flask:
    """The app. ``db`` lets tests pass a database; otherwise a client is made here, in this process."""
    wlogging.configure(SERVICE)
    config.check_secrets()  # raises, naming the variable; gunicorn's worker then fails to boot and gunicorn exits
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=config.session_secret(),
        LINK_SECRET=config.link_secret(),
        PERSON_ID_SECRET=config.person_id_secret(),
        PUBLIC_BASE_URL=config.public_base_url(),
        API_TITLE="Wijkkracht registration",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={"components": {"securitySchemes": {
            "organiserToken": {"type": "http", "scheme": "bearer"}}}},
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.secure_cookies(),
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=config.session_hours()),
        MAX_CONTENT_LENGTH=256 * 1024,
        JSON_SORT_KEYS=False,
    )
    if db is None:
        client = mongo.connect(SERVICE)
        db = mongo.database(client, SERVICE)
        app.extensions["registration.client"] = client
    app.extensions["registration.store"] = Store(db)
    try:
        ensure_indexes(db)
    except mongo.PyMongoError as exc:  # the store may come up after us; the worker creates them too
        log.warning("could not create indexes yet", extra={"error": repr(exc)})

    Api.ERROR_SCHEMA = ErrorSchema
    api = Api(app)
    from . import api as api_module, door, forms
    api.register_blueprint(api_module.blp)
    from . import reports_api  # the report's figures and collaborations (H6a)
    api.register_blueprint(reports_api.blp)
    from . import matches_page  # the organiser's matches page of an evening (H6a)
    app.register_blueprint(matches_page.bp)
    app.register_blueprint(forms.bp)
    app.register_blueprint(door.bp)
    from . import report_page  # the organiser's report (H6b)
    app.register_blueprint(report_page.bp)
    from . import console
    app.register_blueprint(console.bp)
    from . import evening_page, initiative_page, programme  # table hosts, the evening page, the initiative page
    app.register_blueprint(programme.bp)
    app.register_blueprint(evening_page.bp)
    app.register_blueprint(initiative_page.bp)
    from . import ideas  # residents' ideas: the form behind their evening link (H3)
    app.register_blueprint(ideas.bp)
    app.register_blueprint(health_blueprint(SERVICE, lambda: mongo.is_reachable(db.client)))
    install_json_errors(app)
    install_http_errors(app)
    install_request_metrics(app)
    install_domain_errors(app)
    install_rate_limits(app)
    install_nul_guard(app)
    install_idempotency(app)

    @app.after_request
    def security_headers(response: Response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if response.mimetype == "text/html":
            response.headers.setdefault("X-Frame-Options", "DENY")
            response.headers.setdefault("Content-Security-Policy",
                                        "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                                        "script-src 'self'; form-action 'self'; frame-ancestors 'none'")
        return response

    return app


def _field_errors(exc: HTTPException) -> dict | None:
    messages = (getattr(exc, "data", None) or {}).get("messages")
    if not isinstance(messages, dict):
        return None
    merged = {}
    for location_errors in messages.values():
        if isinstance(location_errors, dict):
            merged.update(location_errors)
    return merged or None


def install_http_errors(app: Flask):
    """Like wijkkracht.web's handler, which fails when webargs leaves ``data["headers"]`` as None (a 500);
    the pages get an HTML answer, the API the JSON error shape."""

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if not request.path.startswith("/api/") and exc.code in (400, 403, 404, 405, 413, 429):
            from .forms import error_page
            return error_page(exc.code, exc.description or exc.name)
        fields_ = _field_errors(exc)
        message = "Some fields are invalid." if fields_ else (exc.description or exc.name)
        code = (exc.name or "error").lower().replace(" ", "_")
        response, status = json_error(exc.code or 500, code, message, fields_)
        for name, value in ((getattr(exc, "data", None) or {}).get("headers") or {}).items():
            response.headers[name] = value
        if exc.code == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response, status

    @app.errorhandler(mongo.PyMongoError)
    def store_away(exc):
        log.error("store unavailable", extra={"error": repr(exc)[:300], "path": request.path})
        response, status = json_error(503, "unavailable", "The service is briefly unavailable; please retry.")
        response.headers["Retry-After"] = "2"
        return response, status


def install_domain_errors(app: Flask):
    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        if not request.path.startswith("/api/"):
            from .forms import error_page
            return error_page(exc.status, exc.message)
        return json_error(exc.status, exc.code, exc.message, exc.fields or None)


# Pages whose every field goes through a schema of wijkkracht.validation's fields.
SCHEMA_FORMS = ("forms.sign_up", "forms.initiative")


def install_rate_limits(app: Flask):
    """Public JSON writes (sign-ups, initiatives) per client address: 429 with Retry-After when over."""
    from .security import api_rate_limited

    @app.before_request
    def rate_limit():
        wait_s = api_rate_limited()
        if wait_s is None:
            return None
        response, status = json_error(429, "too_many_requests", "Too many requests from this address; retry later.")
        response.headers["Retry-After"] = str(wait_s)
        return response, status


def install_nul_guard(app: Flask):
    """Refuse text holding a NUL character (raw, JSON-escaped or URL-encoded): it is no part of a name, an
    address or a title, and not every store keeps it (PostgreSQL's jsonb refuses it), so it is a 4xx here
    rather than a failed write later."""

    @app.before_request
    def refuse_nul():
        if request.endpoint in SCHEMA_FORMS:
            return None  # their schemas name the field that holds it, in the user's language
        raw = request.get_data(cache=True)
        encoded = raw if request.mimetype == "application/x-www-form-urlencoded" else b""
        if not (b"\x00" in raw or b"\\u0000" in raw.lower() or b"%00" in encoded + request.query_string):
            return None
        if not request.path.startswith("/api/"):
            abort(400)
        return json_error(422, "validation_error", "Text may not contain NUL characters.")


IDEMPOTENT_PREFIX = "/api/"


def install_idempotency(app: Flask):
    """``Idempotency-Key`` on API POSTs: the same key and body get the first answer again, not a second effect."""

    def scoped_key() -> str | None:
        key = request.headers.get("Idempotency-Key")
        if not key or request.method != "POST" or not request.path.startswith(IDEMPOTENT_PREFIX):
            return None
        auth = request.headers.get("Authorization", "")
        return hashlib.sha256(f"{key}\x00{request.path}\x00{auth}".encode()).hexdigest()

    def fingerprint() -> str:
        return hashlib.sha256(request.get_data(cache=True)).hexdigest()

    @app.before_request
    def replay():
        key = scoped_key()
        if key is None:
            return None
        if len(request.headers["Idempotency-Key"]) > 200:
            return json_error(400, "bad_request", "Idempotency-Key is too long.", {"Idempotency-Key": ["too long"]})
        stored = store().idempotent_response(key)
        if stored is None:
            return None
        if stored["fingerprint"] != fingerprint():
            return json_error(422, "idempotency_key_reused",
                              "This Idempotency-Key was used with a different request body.",
                              {"Idempotency-Key": ["reused with a different body"]})
        response = Response(json.dumps(stored["body"]), status=stored["status"], mimetype="application/json")
        response.headers["Idempotent-Replayed"] = "true"
        return response

    @app.after_request
    def remember(response: Response):
        key = scoped_key()
        if key and 200 <= response.status_code < 300 and not response.headers.get("Idempotent-Replayed"):
            body = response.get_json(silent=True)
            if body is not None:
                store().save_idempotent_response(key, response.status_code, body, fingerprint())
        return response
