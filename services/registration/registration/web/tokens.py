"""Signed tokens for links residents get (cancel), so no account is needed and nothing personal is in the URL.

A cancel link works until the evening's end (closed, or CANCEL_LINK_HOURS_AFTER_START after it starts):
after that there is nothing left to cancel, and a link found in an old mail opens nothing."""
import datetime as dt

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer
from wijkkracht import compact_link

from .. import config
from ..domain import model
from .runtime import store

SALT = "registration.cancel"
CONFIRMATION_SALT = "registration.confirmation.v2"
# The confirmation page is where the form sends a resident right after signing up (it shows their code and
# cancel link); its address stays in the browser's history, so it works for an hour, not for ever.
CONFIRMATION_MAX_AGE_S = 3600


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["LINK_SECRET"], salt=SALT)


COMPACT_PURPOSE = "registration.cancel"


def cancel_token(registration_id: str) -> str:
    """The compact token (34 characters, so the link fits an SMS) for our ids; the long one for any other."""
    return (compact_link.make(current_app.config["LINK_SECRET"], COMPACT_PURPOSE, [registration_id])
            or _serializer().dumps(registration_id))


def _registration_id(token: str) -> str | None:
    ids = compact_link.read(current_app.config["LINK_SECRET"], COMPACT_PURPOSE, token, 1)
    if ids:
        return ids[0]
    try:  # links sent before the compact ones keep working
        value = _serializer().loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, str) else None


def evening_over(meeting: dict | None, now: dt.datetime | None = None) -> bool:
    if meeting is None or meeting.get("status") == model.CLOSED:
        return True
    starts_at = meeting.get("starts_at")
    if starts_at is None:
        return False
    if starts_at.tzinfo is None:
        starts_at = starts_at.replace(tzinfo=dt.timezone.utc)
    now = now or dt.datetime.now(dt.timezone.utc)
    return now > starts_at + dt.timedelta(hours=config.cancel_link_hours_after_start())


def registration_from_cancel_token(token: str) -> str | None:
    """The registration a cancel link is for, or None if the link is not ours or its evening is over."""
    value = _registration_id(token)
    if value is None:
        return None
    registration = store().registration(value)
    if registration is not None and evening_over(store().meeting(registration["meeting_id"])):
        return None
    return value


def confirmation_token(registration_id: str) -> str:
    return URLSafeTimedSerializer(current_app.config["LINK_SECRET"], salt=CONFIRMATION_SALT).dumps(registration_id)


def registration_from_confirmation_token(token: str) -> str | None:
    """The registration of a confirmation page's address, or None if not ours or older than an hour."""
    try:
        value = URLSafeTimedSerializer(current_app.config["LINK_SECRET"], salt=CONFIRMATION_SALT).loads(
            token, max_age=CONFIRMATION_MAX_AGE_S)
    except BadSignature:
        return None
    return value if isinstance(value, str) else None
