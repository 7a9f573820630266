"""Signed accept/decline links for a suggestion: the token names the evening, the resident, the role and the
answer, and when it was made. It works for ANSWER_LINK_MAX_AGE_S (60 days): long enough to answer after the
evening, not for ever."""
from itsdangerous import BadSignature, URLSafeTimedSerializer

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
