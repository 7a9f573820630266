"""Flask helpers every api shares: JSON errors, input guards, organiser auth, health, readiness and metrics."""
import hmac
import json
import logging
import socket
import time
from functools import wraps

from flask import Blueprint, Flask, Response, jsonify, request
from marshmallow import Schema, fields
from pymongo.errors import PyMongoError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from . import config, validation
from .metrics import HTTP_LATENCY, HTTP_REQUESTS, exposition

log = logging.getLogger(__name__)


class ErrorBodySchema(Schema):
    code = fields.Str(required=True)
    message = fields.Str(required=True)
    fields = fields.Dict()


class ErrorSchema(Schema):
    """The one error shape of every API: ``{"error": {"code", "message", "fields"?}}``."""
    error = fields.Nested(ErrorBodySchema, required=True)


def json_error(status: int, code: str, message: str, field_errors: dict | None = None):
    body = {"code": code, "message": message}
    if field_errors:
        body["fields"] = field_errors
    return jsonify({"error": body}), status


def _field_errors(exc: HTTPException) -> dict | None:
    """webargs/flask-smorest put validation messages in ``exc.data["messages"]`` keyed by location."""
    messages = (getattr(exc, "data", None) or {}).get("messages")
    if not messages:
        return None
    merged = {}
    for location_errors in messages.values():
        if isinstance(location_errors, dict):
            merged.update(location_errors)
    return merged or None


# The largest legitimate body of matching and notifications is a form of a few fields or an SMS webhook
# (a long SMS is under 2 KB); 64 KiB leaves room and refuses floods. An app that takes more (registration's
# initiatives: 50 roles of 2,000 characters) sets its own MAX_CONTENT_LENGTH before installing this.
DEFAULT_MAX_BODY = 64 * 1024


def install_input_guards(app: Flask):
    """Before any handler: a body over MAX_CONTENT_LENGTH is a 413 (even where the route never reads it),
    and a JSON body nested too deeply, or holding a lone surrogate or a control character in any string,
    is a 4xx naming the field, so such input never reaches a schema's recursion, the store or a topic."""
    if app.config.get("MAX_CONTENT_LENGTH") is None:  # Flask's default is None: no limit at all
        app.config["MAX_CONTENT_LENGTH"] = DEFAULT_MAX_BODY

    @app.before_request
    def guard_input():
        limit = app.config["MAX_CONTENT_LENGTH"]
        if request.content_length is not None and request.content_length > limit:
            # Raised, not answered, so each app's own error handler gives it its shape (HTML on the pages).
            raise RequestEntityTooLarge(f"The body is larger than {limit // 1024} KiB.")
        if request.path.startswith("/api/") and validation.CONTROL.search(request.path):
            # No id of ours holds a control character (and the store would refuse a NUL in a query). The
            # pages answer their own 404 in HTML: a link's signature fails before the store is asked.
            return json_error(404, "not_found", "Nothing here by that id.")
        if request.path.startswith("/api/"):
            # Query and form fields of the API (an SMS gateway's webhook posts a form) are refused here by
            # name; the pages leave theirs to their schemas, which say it in the user's language.
            problems = _form_problems(request.args) or _form_problems(request.form)
            if problems:
                return json_error(422, "unprocessable_entity", "Some fields are invalid.", problems)
        if not request.is_json:
            return None
        raw = request.get_data(cache=True)
        try:
            body = json.loads(raw)
        except RecursionError:
            return json_error(400, "bad_request", validation.DEPTH_MESSAGE,
                              {"_body": [validation.DEPTH_MESSAGE]})
        except ValueError:
            return None  # not JSON: the endpoint's parser answers that in its own words
        problems = validation.walk_json(body)
        if problems:
            return json_error(422, "unprocessable_entity", "Some fields are invalid.", problems)
        return None


def _form_problems(values) -> dict | None:
    for name, items in values.lists():
        for item in [name, *items]:
            problem = validation.text_problem(item)
            if problem:
                return {name: [problem]}
    return None


def install_json_errors(app: Flask):
    """Every HTTP error becomes the JSON error shape; an unexpected exception is a 500 that we log.
    Installs the input guards too, so every service refuses the same bad input the same way."""
    install_input_guards(app)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        fields_ = _field_errors(exc)
        message = "Some fields are invalid." if fields_ else (exc.description or exc.name)
        code = (exc.name or "error").lower().replace(" ", "_")
        response, status = json_error(exc.code or 500, code, message, fields_)
        for name, value in ((getattr(exc, "data", None) or {}).get("headers") or {}).items():
            response.headers[name] = value
        return response, status

    @app.errorhandler(PyMongoError)
    def store_unavailable(exc: PyMongoError):
        """The store briefly away (a restart, a timeout): say so, and when to try again; nothing was half-done
        because every change is one single-document write."""
        log.warning("store unavailable", extra={"path": request.path, "error": type(exc).__name__})
        response, status = json_error(503, "unavailable", "The service is briefly unavailable; try again.")
        response.headers["Retry-After"] = "2"
        return response, status

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error", extra={"path": request.path})
        return json_error(500, "internal_error", "Something went wrong on our side.")


def organiser_token_valid(header: str | None, service: str | None = None) -> bool:
    if not header or not header.startswith("Bearer "):
        return False
    given = header[len("Bearer "):].strip().encode()
    # Compare against every token, in constant time, so timing says nothing about which was close.
    matches = [hmac.compare_digest(given, t.encode()) for t in config.organiser_tokens(service)]
    return any(matches)


def require_organiser(view):
    """Organiser endpoints need ``Authorization: Bearer <token>`` from ORGANISER_TOKENS."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not organiser_token_valid(request.headers.get("Authorization")):
            response, status = json_error(401, "unauthorized", "An organiser token is required.")
            response.headers["WWW-Authenticate"] = "Bearer"
            return response, status
        return view(*args, **kwargs)

    return wrapper


def kafka_reachable(service: str, timeout_s: float = 1.0) -> bool:
    for server in config.kafka_bootstrap_servers(service):
        host, _, port = server.rpartition(":")
        try:
            with socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout_s):
                return True
        except OSError:
            continue
    return False


def health_blueprint(service: str, database_ping) -> Blueprint:
    """``/healthz`` (alive), ``/readyz`` (Kafka and database reachable), ``/metrics`` (Prometheus)."""
    bp = Blueprint("health", __name__)

    @bp.get("/healthz")
    def healthz():
        return jsonify({"status": "ok", "service": service})

    @bp.get("/readyz")
    def readyz():
        checks = {"kafka": kafka_reachable(service), "database": database_ping()}
        ready = all(checks.values())
        return jsonify({"status": "ready" if ready else "unavailable", "checks": checks}), 200 if ready else 503

    @bp.get("/metrics")
    def metrics():
        body, content_type = exposition()
        return Response(body, content_type=content_type)

    return bp


def install_request_metrics(app: Flask):
    @app.before_request
    def start_timer():
        request.environ["wijkkracht.start"] = time.perf_counter()

    @app.after_request
    def record(response):
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        HTTP_REQUESTS.labels(request.method, endpoint, str(response.status_code)).inc()
        started = request.environ.get("wijkkracht.start")
        if started is not None:
            HTTP_LATENCY.labels(endpoint).observe(time.perf_counter() - started)
        return response
