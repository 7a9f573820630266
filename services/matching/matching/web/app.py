"""The matching api: groups, timetable and proposals of an evening, and the residents' answer links."""
import logging

from flask import Flask
from pymongo.errors import PyMongoError
from werkzeug.exceptions import UnprocessableEntity
from flask_smorest import Api

from wijkkracht import mongo, web

from .. import SERVICE
from . import answers, api

log = logging.getLogger(__name__)


def create_app(client=None) -> Flask:
    """A new app with its own MongoDB client (made here, after gunicorn forks; never at import time)."""
    app = Flask(__name__)
    app.config.update(
        API_TITLE="Wijkkracht matching",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        JSON_SORT_KEYS=False,
    )
    client = client or mongo.connect(SERVICE)
    app.extensions["matching.db"] = mongo.database(client, SERVICE)
    Api.ERROR_SCHEMA = web.ErrorSchema
    spec = Api(app)
    spec.spec.components.security_scheme("organiser", {"type": "http", "scheme": "bearer"})
    spec.register_blueprint(api.blp)
    spec.register_blueprint(answers.blp)
    app.register_blueprint(web.health_blueprint(SERVICE, lambda: mongo.is_reachable(client)))
    web.install_json_errors(app)
    app.register_error_handler(UnprocessableEntity, _invalid_input)
    app.register_error_handler(PyMongoError, _store_unavailable)
    web.install_request_metrics(app)
    return app


def _invalid_input(exc: UnprocessableEntity):
    """webargs' validation errors, as the shared JSON error (its handler trips on ``headers: None``)."""
    messages = (getattr(exc, "data", None) or {}).get("messages") or {}
    merged = {}
    for location_errors in messages.values():
        if isinstance(location_errors, dict):
            merged.update(location_errors)
    return web.json_error(422, "unprocessable_entity", "Some fields are invalid.", merged or None)


def _store_unavailable(exc: PyMongoError):
    log.warning("store unavailable", extra={"error": type(exc).__name__})
    response, status = web.json_error(503, "unavailable", "The service is briefly unavailable; try again.")
    response.headers["Retry-After"] = "2"
    return response, status
