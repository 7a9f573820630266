"""Residents' ideas (issue 12): a resident leaves an idea from their evening page (or the list of suggestions
their thanks message links to), and initiatives whose themes fit see it; a pitch (an initiative with
``pitch: true``, such as Cretopia) presents to collect them.

An idea keeps its text, its themes and the evening it came from; the resident's name and email or phone only
if they gave them, and initiatives see those only if the resident ticked "initiatives may contact me".
``idea.shared`` carries no text and no person data: the report counts ideas per evening and theme.
"""
import uuid

from wijkkracht.events import new_event
from wijkkracht.validation import text_problem

from . import SERVICE, phones
from .adapters.store import Store, now
from .domain.vocabulary import THEMES

MAX_TEXT = 1000
MAX_NAME = 120
MAX_EMAIL = 254
MAX_PER_PERSON = 20  # ideas one resident may leave per evening: enough for anyone, not for a flood
SHOWN_TO_INITIATIVE = 50  # the newest ideas an initiative's page lists

# Why a field is refused (the pages say it in the resident's language, naming the field).
MISSING, TOO_LONG, BAD_CHARACTERS = "missing", "too_long", "bad_characters"
BAD_EMAIL, BAD_PHONE, NEEDS_CONTACT, UNKNOWN_THEME, TOO_MANY = (
    "bad_email", "bad_phone", "needs_contact", "unknown_theme", "too_many")


def _new_id() -> str:
    return uuid.uuid4().hex


def check(form: dict) -> tuple[dict, dict[str, str]]:
    """The idea form's values cleaned, and per field why it is refused (an empty dict: all good).

    ``form``: text, themes (codes), name, email, phone (strings, possibly empty), may_contact (bool)."""
    errors: dict[str, str] = {}
    text = (form.get("text") or "").strip()
    if not text:
        errors["text"] = MISSING
    elif len(text) > MAX_TEXT:
        errors["text"] = TOO_LONG
    elif text_problem(text):
        errors["text"] = BAD_CHARACTERS
    themes = list(dict.fromkeys(form.get("themes") or []))
    if any(t not in THEMES for t in themes):
        errors["themes"] = UNKNOWN_THEME
    name = (form.get("name") or "").strip()
    if len(name) > MAX_NAME:
        errors["name"] = TOO_LONG
    elif text_problem(name, name=True):
        errors["name"] = BAD_CHARACTERS
    email = (form.get("email") or "").strip()
    if email and (len(email) > MAX_EMAIL or text_problem(email, name=True) or not _looks_like_email(email)):
        errors["email"] = BAD_EMAIL
    phone = (form.get("phone") or "").strip()
    if phone:
        try:
            phone = phones.to_e164(phone)
        except phones.InvalidPhone:
            errors["phone"] = BAD_PHONE
    may_contact = bool(form.get("may_contact"))
    if may_contact and not email and not phone and "email" not in errors and "phone" not in errors:
        errors["email"] = NEEDS_CONTACT
    clean = {"text": text, "themes": [t for t in themes if t in THEMES], "name": name or None,
             "email": email or None, "phone": phone or None, "may_contact": may_contact}
    return clean, errors


def _looks_like_email(value: str) -> bool:
    local, at, domain = value.rpartition("@")
    return bool(at and local and "." in domain and " " not in value and not domain.startswith("."))


def share_idea(store: Store, meeting_id: str | None, person_id: str | None, clean: dict, language: str = "nl",
               correlation_id: str | None = None) -> dict | None:
    """Keep a checked idea (``check``'s clean values) with its ``idea.shared``; None when this resident has
    left ``MAX_PER_PERSON`` ideas at this evening already."""
    if person_id and store.count_ideas_of(meeting_id, person_id) >= MAX_PER_PERSON:
        return None
    idea_id = _new_id()
    contact = {k: clean[k] for k in ("name", "email", "phone") if clean.get(k)}
    doc = {"_id": idea_id, "meeting_id": meeting_id, "person_id": person_id, "text": clean["text"],
           "themes": clean["themes"], "contact": contact or None, "may_contact": bool(clean["may_contact"]),
           "language": language, "created_at": now()}
    event = new_event("idea.shared", {"idea_id": idea_id, "meeting_id": meeting_id, "themes": clean["themes"]},
                      key=meeting_id or idea_id, producer=SERVICE, correlation_id=correlation_id)
    store.insert_idea(doc, [event])
    return doc


def themes_of(initiative: dict) -> set[str]:
    """What an initiative is about: its own themes and its roles'."""
    found = set(initiative.get("themes") or [])
    for role in initiative.get("roles") or []:
        found.update(role.get("themes") or [])
    return found


def for_initiative(store: Store, initiative: dict, limit: int = SHOWN_TO_INITIATIVE) -> list[dict]:
    """The ideas an initiative sees, newest first: those on one of its themes (or its roles'), left at the
    evenings it presents at (at every evening, if it presents at none yet). The resident's name and email or
    phone only if they agreed to be contacted; else ``contact`` is None."""
    themes = themes_of(initiative)
    if not themes:
        return []
    evenings = {m["_id"]: m for m in store.evenings_presenting(initiative["_id"])}
    found = store.ideas_on(sorted(themes), sorted(evenings) or None, limit)
    unknown = {d["meeting_id"] for d in found if d.get("meeting_id") and d["meeting_id"] not in evenings}
    evenings.update({m: store.meeting(m) or {} for m in unknown})
    shown = []
    for doc in found:
        meeting = evenings.get(doc.get("meeting_id")) or {}
        contact = doc.get("contact") if doc.get("may_contact") else None
        shown.append({"idea_id": doc["_id"], "text": doc["text"], "themes": doc.get("themes") or [],
                      "meeting_id": doc.get("meeting_id"), "meeting_title": meeting.get("title") or "",
                      "meeting_starts_at": meeting.get("starts_at"), "created_at": doc.get("created_at"),
                      "contact": {"name": contact.get("name"), "email": contact.get("email"),
                                  "phone": contact.get("phone")} if contact else None})
    return shown

