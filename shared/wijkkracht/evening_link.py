"""The resident's evening page link: a short token signed for one person at one evening.

Notifications puts it in the colour message and registration serves the page, so both sign with the same
LINK_SECRET (each service's ``config.secret("LINK_SECRET", ...)``; one value in every deployment, as
docker-compose's ``x-secrets`` sets it). The token is the two ids as bytes and a truncated HMAC, 55
characters, short enough for an SMS; it names nobody without the database and carries no address.
"""
import base64
import binascii
import hashlib
import hmac

PATH = "/t/"  # registration serves GET|POST /t/<token>
_PURPOSE = b"wijkkracht.evening-page.v1"
_ID_BYTES = 16  # ids are uuid4 hex: 32 characters, 16 bytes
_SIG_BYTES = 9  # 72 bits: guessing one is out of reach of anyone who can only ask the page


def _key(secret: str) -> bytes:
    # Its own key from the link secret, so a token for this page is never valid as another kind of link.
    return hmac.new(secret.encode(), _PURPOSE, hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def token(secret: str, meeting_id: str, person_id: str) -> str | None:
    """The token for this person's page at this evening; None if an id is not one of ours (32 hex digits)."""
    try:
        ids = bytes.fromhex(meeting_id) + bytes.fromhex(person_id)
    except (ValueError, TypeError):
        return None
    if len(ids) != 2 * _ID_BYTES:
        return None
    signature = hmac.new(_key(secret), ids, hashlib.sha256).digest()[:_SIG_BYTES]
    return _b64(ids + signature)


def read(secret: str, value: str) -> tuple[str, str] | None:
    """(meeting_id, person_id) of a token we made, or None for anything else (altered, cut, forged)."""
    if not isinstance(value, str) or len(value) != 55:
        return None
    try:
        raw = base64.urlsafe_b64decode(value + "=")
    except (binascii.Error, ValueError):
        return None
    if _b64(raw) != value:  # one spelling per token (the last character's spare bits, other characters)
        return None
    ids, signature = raw[:2 * _ID_BYTES], raw[2 * _ID_BYTES:]
    expected = hmac.new(_key(secret), ids, hashlib.sha256).digest()[:_SIG_BYTES]
    if len(signature) != _SIG_BYTES or not hmac.compare_digest(signature, expected):
        return None
    return ids[:_ID_BYTES].hex(), ids[_ID_BYTES:].hex()


def url(base_url: str, secret: str, meeting_id: str, person_id: str) -> str | None:
    made = token(secret, meeting_id, person_id)
    return f"{base_url.rstrip('/')}{PATH}{made}" if made else None
