"""The matching api: groups, timetable and proposals of an evening, and the residents' answer links."""

from flask import Flask
from flask_smorest import Api

from wijkkracht import mongo, web

from .. import SERVICE, config
from . import answers, api



def create_app(client=None) -> Flask:
    """A new app with its own MongoDB client (made here, after gunicorn forks; never at import time)."""
    config.check_secrets()  # raises, naming the variable; gunicorn's worker then fails to boot and gunicorn exits
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
    web.install_request_metrics(app)
    return app
