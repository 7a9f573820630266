"""Signed tokens for links residents get (cancel), so no account is needed and nothing personal is in the URL."""
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

SALT = "registration.cancel"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["LINK_SECRET"], salt=SALT)


def cancel_token(registration_id: str) -> str:
    return _serializer().dumps(registration_id)


def registration_from_cancel_token(token: str) -> str | None:
    try:
        value = _serializer().loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, str) else None
