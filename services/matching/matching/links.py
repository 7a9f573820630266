"""Signed accept/decline links for a suggestion: the token names the evening, the resident, the role and the answer."""
from itsdangerous import BadSignature, URLSafeSerializer

from . import config

_SALT = "matching.answer.v1"
ANSWERS = ("accept", "decline")


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(config.secret_key(), salt=_SALT)


def make_token(meeting_id: str, person_id: str, initiative_id: str, role_id: str, answer: str) -> str:
    return _serializer().dumps([meeting_id, person_id, initiative_id, role_id, answer])


def read_token(token: str) -> dict | None:
    """The answer a token stands for, or None if it was not made by us (or was altered)."""
    try:
        meeting_id, person_id, initiative_id, role_id, answer = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if answer not in ANSWERS:
        return None
    return {"meeting_id": meeting_id, "person_id": person_id, "initiative_id": initiative_id,
            "role_id": role_id, "answer": answer}


def answer_url(token: str) -> str:
    return f"{config.answer_base_url()}/antwoord/{token}"
