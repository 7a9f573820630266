"""Per-process clients for the web app: made in create_app (after gunicorn forks), never at import time."""
import uuid

from flask import current_app, g, request

from ..adapters.store import Store


def store() -> Store:
    return current_app.extensions["registration.store"]


def correlation_id() -> str:
    if "correlation_id" not in g:
        given = request.headers.get("X-Correlation-ID", "")
        g.correlation_id = given[:100] if given else uuid.uuid4().hex
    return g.correlation_id


def person_secret() -> str:
    """The key of the hash that turns an email address or phone number into a stable person id."""
    return current_app.config["PERSON_ID_SECRET"]
