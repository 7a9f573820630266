"""The notifications api: the delivery log, the unsubscribe page and the SMS gateway's inbound webhook."""
import logging

from flask import Flask
from flask_smorest import Api
from pymongo.errors import PyMongoError
from werkzeug.exceptions import UnprocessableEntity

from wijkkracht import mongo, web

from .. import config
from ..adapters import store
from . import api, unsubscribe

log = logging.getLogger(__name__)


def create_app(client=None) -> Flask:
    """A new app with its own MongoDB client (made here, after gunicorn forks; never at import time)."""
    app = Flask(__name__)
    app.config.update(
        API_TITLE="Wijkkracht notifications",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        JSON_SORT_KEYS=False,
        SECRET_KEY=config.secret_key(),
    )
    client = client or mongo.connect(config.SERVICE)
    db = mongo.database(client, config.SERVICE)
    app.extensions["notifications.db"] = db
    Api.ERROR_SCHEMA = web.ErrorSchema
    spec = Api(app)
    spec.register_blueprint(api.blp)
    spec.register_blueprint(unsubscribe.blp)
    app.register_blueprint(web.health_blueprint(config.SERVICE, lambda: store.ping(db)))
    web.install_json_errors(app)
    app.register_error_handler(UnprocessableEntity, _invalid_input)
    app.register_error_handler(PyMongoError, _store_unavailable)
    web.install_request_metrics(app)
    api.install_status_metrics(db)
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
