"""Evenings, sign-ups and their rules: the lifecycle, codes, contact rules, who is the same person."""
import dataclasses
import datetime as dt
import secrets

from .errors import Closed, InvalidTransition

# The evening's lifecycle.
SCHEDULED, CHECKIN_OPEN, STARTED, CLOSED = "scheduled", "checkin_open", "started", "closed"
LIFECYCLE = (SCHEDULED, CHECKIN_OPEN, STARTED, CLOSED)
# command -> (statuses it may come from, status it leads to, event it emits)
TRANSITIONS = {
    "open_checkin": ((SCHEDULED,), CHECKIN_OPEN, "meeting.checkin_opened"),
    "start": ((SCHEDULED, CHECKIN_OPEN), STARTED, "meeting.started"),
    "close": ((SCHEDULED, CHECKIN_OPEN, STARTED), CLOSED, "meeting.closed"),
}

CONFIRMED, WAITLISTED, CANCELLED = "confirmed", "waitlisted", "cancelled"

# Codes people read aloud at the door: no 0/O, 1/I/L.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6

EDITABLE_MEETING_FIELDS = ("title", "starts_at", "venue", "area", "partners", "initiative_ids", "capacity",
                           "group_size", "slot_minutes", "address", "max_minutes")
# Edits that residents must hear about.
NOTIFIABLE_CHANGES = ("starts_at", "venue")


def transition(status: str, command: str) -> tuple[str, str]:
    """The new status and the event type for ``command`` from ``status``; raises InvalidTransition."""
    allowed_from, new_status, event_type = TRANSITIONS[command]
    if status not in allowed_from:
        raise InvalidTransition(f"An evening that is {status} cannot {command.replace('_', ' ')}.")
    return new_status, event_type


def accepts_signups(status: str) -> bool:
    return status in (SCHEDULED, CHECKIN_OPEN, STARTED)


def ensure_accepts_signups(status: str):
    if not accepts_signups(status):
        raise Closed("This evening is closed for sign-ups.")


def accepts_checkins(status: str) -> bool:
    return status in (SCHEDULED, CHECKIN_OPEN, STARTED)


def new_code(rand=secrets.choice) -> str:
    """A personal registration code, e.g. ``K7QH2M``: short enough to say at the door."""
    return "".join(rand(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


def looks_like_code(text: str) -> bool:
    code = normalise_code(text)
    return len(code) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in code)


def identity_keys(registration_id: str, email: str | None, phone: str | None) -> tuple[str, str]:
    """The keys under which one evening may hold a person only once.

    Someone without an email (or phone) gets a key of their own, so only real addresses collide; this keeps
    the unique indexes plain (no partial indexes, which not every store supports)."""
    email_key = f"email:{email.strip().lower()}" if email else f"none:{registration_id}"
    phone_key = f"phone:{phone}" if phone else f"none:{registration_id}"
    return email_key, phone_key


def choose_contact_channel(preferred: str, email: str | None, phone: str | None) -> str:
    if preferred == "sms" and phone:
        return "sms"
    if preferred == "email" and email:
        return "email"
    return "email" if email else "sms"


def contact_errors(preferred: str, email: str | None, phone: str | None) -> dict:
    """Field errors for the contact rules: at least one of email and phone, and the one the channel needs."""
    errors = {}
    if not email and not phone:
        errors["email"] = ["email_or_phone"]
        errors["phone"] = ["email_or_phone"]
    elif preferred == "email" and not email:
        errors["email"] = ["needed_for_channel"]
    elif preferred == "sms" and not phone:
        errors["phone"] = ["needed_for_channel"]
    return errors


def changed_fields(before: dict, after: dict) -> list[str]:
    return [f for f in EDITABLE_MEETING_FIELDS if f in after and after[f] != before.get(f)]


def must_notify(changed: list[str]) -> bool:
    return any(f in NOTIFIABLE_CHANGES for f in changed)


def is_past_retention(starts_at: dt.datetime, now: dt.datetime, retention_days: int) -> bool:
    return starts_at + dt.timedelta(days=retention_days) < now


@dataclasses.dataclass(frozen=True)
class Anonymised:
    """What a registration keeps once the person is erased: nothing that identifies them."""
    name: str = "(verwijderd)"
    email: None = None
    phone: None = None
    postcode: None = None


ERASED = Anonymised()


def name_matches(query: str, name: str) -> bool:
    """Door search: every word typed occurs at the start of some word of the name, ignoring case."""
    words = [w for w in name.lower().split() if w]
    return all(any(w.startswith(q) for w in words) for q in query.lower().split())
