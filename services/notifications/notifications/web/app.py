"""The notifications api: the delivery log, the unsubscribe page and the SMS gateway's inbound webhook."""
from flask import Flask
from flask_smorest import Api

from wijkkracht import mongo, web

from .. import config
from ..adapters import store
from . import api, unsubscribe


def create_app(client=None) -> Flask:
    """A new app with its own MongoDB client (made here, after gunicorn forks; never at import time)."""
    config.check_secrets()  # raises, naming the variable; gunicorn's worker then fails to boot and gunicorn exits
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
    web.install_request_metrics(app)
    api.install_status_metrics(db)
    return app
