"""Signed accept/decline links for a suggestion: the token names the evening, the resident, the role and the
answer, and when it was made. It works for ANSWER_LINK_MAX_AGE_S (60 days): long enough to answer after the
evening, not for ever."""
import datetime as dt

from itsdangerous import BadSignature, URLSafeTimedSerializer
from wijkkracht import compact_link

from . import config

_SALT = "matching.answer.v2"  # v1 tokens carried no time, so they would never expire
ANSWERS = ("accept", "decline")


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(config.link_secret(), salt=_SALT)


def make_token(meeting_id: str, person_id: str, initiative_id: str, role_id: str, answer: str) -> str:
    return _serializer().dumps([meeting_id, person_id, initiative_id, role_id, answer])


def read_token(token: str) -> dict | None:
    """The answer a token stands for, or None if it was not made by us, was altered or has expired (the page
    then says, in the resident's language, that the link no longer works)."""
    try:
        meeting_id, person_id, initiative_id, role_id, answer = _serializer().loads(
            token, max_age=config.answer_link_max_age_s())
    except (BadSignature, ValueError, TypeError):  # SignatureExpired is a BadSignature
        return None
    if answer not in ANSWERS:
        return None
    return {"meeting_id": meeting_id, "person_id": person_id, "initiative_id": initiative_id,
            "role_id": role_id, "answer": answer}


def answer_url(token: str) -> str:
    return f"{config.answer_base_url()}/antwoord/{token}"


# The page of all of a resident's suggestions at one evening (``/a/<token>``), for those who only get texts: a
# compact token (the two ids, when it was made, a 72-bit HMAC; 60 characters) that expires like the links above.
LIST_PURPOSE = "matching.answers"
LIST_PATH = "/a/"


def list_url(meeting_id: str, person_id: str, now: dt.datetime | None = None) -> str | None:
    token = compact_link.make(config.link_secret(), LIST_PURPOSE, [meeting_id, person_id],
                              issued_at=now or dt.datetime.now(dt.timezone.utc))
    return f"{config.answer_base_url()}{LIST_PATH}{token}" if token else None


def read_list_token(token: str) -> tuple[str, str] | None:
    """(meeting_id, person_id) of a list link we made and that has not expired, or None."""
    ids = compact_link.read(config.link_secret(), LIST_PURPOSE, token, 2, max_age_s=config.answer_link_max_age_s())
    return (ids[0], ids[1]) if ids else None
