"""Signed links residents click: the unsubscribe page. The token names who, never an address.

An unsubscribe link has no maximum age, on purpose: every message must carry a way to stop receiving them
that keeps working (ePrivacy/GDPR; RFC 8058 one-click from a mail client, months later). All it can do is
stop messages to the person it was made for, so an old link is no risk."""
from itsdangerous import BadSignature, URLSafeSerializer
from wijkkracht import evening_link

from . import config

SALT = "wijkkracht-notifications-afmelden"


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=SALT)


def unsubscribe_token(secret: str, audience: str, recipient_id: str, channel: str | None = None) -> str:
    return _serializer(secret).dumps([audience[0], recipient_id, channel or ""])


def read_unsubscribe_token(secret: str, token: str) -> tuple[str, str, str | None] | None:
    """(audience, recipient id, channel or None), or None if the token is not ours."""
    try:
        audience, recipient_id, channel = _serializer(secret).loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    return {"p": "person", "i": "initiative"}.get(audience, "person"), recipient_id, channel or None


def unsubscribe_url(base_url: str, secret: str, audience: str, recipient_id: str, channel: str | None = None) -> str:
    return f"{base_url}/afmelden/{unsubscribe_token(secret, audience, recipient_id, channel)}"


def evening_url(meeting_id: str | None, person_id: str | None) -> str | None:
    """The resident's evening page at registration (in the colour message), signed with the link secret
    registration checks it with (the same LINK_SECRET in every service; wijkkracht.evening_link)."""
    if not meeting_id or not person_id:
        return None
    return evening_link.url(config.registration_base_url(), config.link_secret(), meeting_id, person_id)


def initiative_link_request_url() -> str:
    """Registration's page where an initiative's contact asks for its page's link again (sent by email)."""
    return config.registration_base_url() + "/initiatieven/link"
