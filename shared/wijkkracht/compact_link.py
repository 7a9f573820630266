"""Compact signed link tokens, short enough for an SMS: ids as bytes, an optional time, a truncated HMAC.

A token names records by their ids (uuid4 hex, 16 bytes each) and says nothing without the database; it is
unforgeable without the service's link secret, and each purpose signs with a key of its own, so a cancel
token is never valid as an answer token. Made with ``issued_at``, it carries the moment it was made and the
reader gives ``max_age_s``, so it expires as a long itsdangerous link would. One id and no time is 34
characters; two ids and a time 60.
"""
import base64
import binascii
import datetime as dt
import hashlib
import hmac
import struct

ID_BYTES = 16
SIG_BYTES = 9  # 72 bits: out of reach of anyone who can only ask the page, which answers 404 to a guess
TIME = struct.Struct(">I")  # seconds since 1970, good until 2106


def _key(secret: str, purpose: str) -> bytes:
    return hmac.new(secret.encode(), b"wijkkracht.compact-link." + purpose.encode(), hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def make(secret: str, purpose: str, ids: list[str], issued_at: dt.datetime | None = None) -> str | None:
    """The token for these ids (and time); None if an id is not 32 hex digits (then use a long link)."""
    try:
        raw = b"".join(bytes.fromhex(i) for i in ids)
    except (ValueError, TypeError):
        return None
    if len(raw) != ID_BYTES * len(ids):
        return None
    if issued_at is not None:
        raw += TIME.pack(int(issued_at.timestamp()))
    return _b64(raw + hmac.new(_key(secret, purpose), raw, hashlib.sha256).digest()[:SIG_BYTES])


def read(secret: str, purpose: str, token: str, count: int, max_age_s: float | None = None,
         now: dt.datetime | None = None) -> list[str] | None:
    """The ``count`` ids of a token made for ``purpose``; None if altered, cut, forged or (with
    ``max_age_s``) older than that."""
    timed = max_age_s is not None
    size = ID_BYTES * count + (TIME.size if timed else 0) + SIG_BYTES
    if not isinstance(token, str) or len(token) != len(_b64(bytes(size))):
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    if len(raw) != size or _b64(raw) != token:  # one spelling per token
        return None
    body, signature = raw[:-SIG_BYTES], raw[-SIG_BYTES:]
    if not hmac.compare_digest(signature, hmac.new(_key(secret, purpose), body, hashlib.sha256).digest()[:SIG_BYTES]):
        return None
    if timed:
        (issued,) = TIME.unpack(body[-TIME.size:])
        now = now or dt.datetime.now(dt.timezone.utc)
        if now.timestamp() - issued > max_age_s:
            return None
    return [body[i * ID_BYTES:(i + 1) * ID_BYTES].hex() for i in range(count)]
