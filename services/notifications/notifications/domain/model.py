"""Deliveries: what each message is, its deterministic id, and the decisions about sending it.

Pure functions over plain dicts and datetimes: no I/O, standard library only.
"""
import dataclasses
import datetime as dt
import random
import uuid
from zoneinfo import ZoneInfo

# Message kinds. The first ones are about one resident and one evening.
CONFIRMATION = "confirmation"
WAITLISTED = "waitlisted"
WAITLIST_PROMOTION = "waitlist_promotion"
CANCELLATION = "cancellation"
REMINDER = "reminder"
MEETING_CHANGED = "meeting_changed"
COLOUR = "colour"
COLOUR_CHANGED = "colour_changed"  # a new colour at the start: their table was too small and closed
THANKS = "thanks"
INTRODUCTION = "introduction"
INITIATIVE_INTRODUCTION = "initiative_introduction"
# To an initiative's contact: the confirmation of its registration, its page's link again (asked for), and
# the contact details of another initiative once both of a pair said they are interested.
INITIATIVE_CONFIRMATION = "initiative_confirmation"
INITIATIVE_LINK = "initiative_link"
INITIATIVE_PAIR_ACCEPTED = "initiative_pair_accepted"

KINDS = (CONFIRMATION, WAITLISTED, WAITLIST_PROMOTION, CANCELLATION, REMINDER, MEETING_CHANGED, COLOUR,
         COLOUR_CHANGED, THANKS, INTRODUCTION, INITIATIVE_INTRODUCTION, INITIATIVE_CONFIRMATION, INITIATIVE_LINK,
         INITIATIVE_PAIR_ACCEPTED)
# Kinds whose text names the evening's time and place: they wait a little for the evening to become known.
MEETING_KINDS = {CONFIRMATION, WAITLISTED, WAITLIST_PROMOTION, CANCELLATION, REMINDER, MEETING_CHANGED, COLOUR,
                 COLOUR_CHANGED}
# The colour is needed at the door (or at the start, a new one), now: it ignores quiet hours.
IMMEDIATE_KINDS = {COLOUR, COLOUR_CHANGED}

PENDING, SENT, FAILED, SUPPRESSED = "pending", "sent", "failed", "suppressed"
STATUSES = (PENDING, SENT, FAILED, SUPPRESSED)

EMAIL, SMS = "email", "sms"
CHANNELS = (EMAIL, SMS)

_NAMESPACE = uuid.UUID("5b0f7c8e-3d0a-4d7e-9a53-6b1f3c0e9a11")


def delivery_id(kind: str, *parts: str) -> str:
    """The same inputs always give the same id, so a redelivered event finds its delivery already there."""
    return uuid.uuid5(_NAMESPACE, "|".join([kind, *map(str, parts)])).hex


def choose_channel(preferred: str | None, email: str | None, phone: str | None,
                   unsubscribed: dict | None) -> str | None:
    """The preferred channel if it has an address and is not opted out, else the other one, else none."""
    unsubscribed = unsubscribed or {}
    usable = {EMAIL: bool(email) and not unsubscribed.get(EMAIL), SMS: bool(phone) and not unsubscribed.get(SMS)}
    order = [preferred, EMAIL if preferred == SMS else SMS] if preferred in CHANNELS else [EMAIL, SMS]
    for channel in order:
        if usable[channel]:
            return channel
    return None


def backoff_s(attempt: int, base_s: float, cap_s: float, rng: random.Random | None = None) -> float:
    """Exponential backoff with jitter: about base·2^(attempt-1), capped, spread over its upper half."""
    ceiling = min(cap_s, base_s * (2 ** max(0, attempt - 1)))
    return ceiling / 2 + (rng or random).random() * ceiling / 2


def quiet_until(now: dt.datetime, tz: str = "Europe/Amsterdam", start_h: int = 21, end_h: int = 8) -> dt.datetime | None:
    """If ``now`` falls in the quiet hours (local ``start_h``..``end_h``), the moment they end (UTC); else None."""
    local = now.astimezone(ZoneInfo(tz))
    in_quiet = local.hour >= start_h or local.hour < end_h if start_h > end_h else start_h <= local.hour < end_h
    if not in_quiet:
        return None
    day = local.date() if local.hour < end_h else local.date() + dt.timedelta(days=1)
    wake = dt.datetime.combine(day, dt.time(end_h), tzinfo=ZoneInfo(tz))
    return wake.astimezone(dt.timezone.utc)


def reminder_due(starts_at: dt.datetime, before_h: float) -> dt.datetime:
    try:
        return starts_at - dt.timedelta(hours=before_h)
    except OverflowError:  # an evening on 1 January of year 1: no earlier moment to remind at
        return starts_at


STOP_WORDS = {"stop", "stopp", "stop all", "stopall", "unsubscribe", "afmelden", "uitschrijven", "cancel", "end",
              "quit"}


def is_stop_request(text: str | None) -> bool:
    """An inbound SMS that asks us to stop sending (the words carriers and gateways recognise, plus Dutch)."""
    return (text or "").strip().strip(".!").lower() in STOP_WORDS


@dataclasses.dataclass(frozen=True)
class Plan:
    """What to do with a due delivery now: ``send`` on ``channel``, ``defer`` until ``until``, or ``suppress``."""
    action: str
    channel: str | None = None
    until: dt.datetime | None = None
    reason: str | None = None


# Kinds that make no sense once the resident has cancelled.
ATTENDING_KINDS = {REMINDER, MEETING_CHANGED, WAITLIST_PROMOTION, CONFIRMATION}


def wait_step(age_s: float) -> dt.timedelta:
    """How long to wait before looking again for what a message waits for: soon at first, then less often."""
    return dt.timedelta(seconds=min(5.0, 0.2 + age_s / 4))


# A person not known yet is one whose registration event is still on its way: it comes on another topic, so
# after an outage or with a worker catching up it can be minutes behind. Without the person there is no
# message at all, so this wait is long; the evening, whose absence only shortens the message, is waited
# for ``wait_for_context_s``.
PERSON_WAIT_S = 600.0


def waited_s(delivery: dict, now: dt.datetime) -> float:
    """How long the sender has been waiting for what this message needs: since it first had to wait
    (``waiting_since``), not since it was made, so the time the store or the sender was away is not counted."""
    since = delivery.get("waiting_since")
    return (now - since).total_seconds() if since else 0.0


def plan(delivery: dict, recipient: dict | None, meeting: dict | None, now: dt.datetime, *,
         registration: dict | None = None, wait_for_context_s: float = 20.0, reminder_before_h: float = 24.0,
         tz: str = "Europe/Amsterdam", quiet: tuple[int, int] = (21, 8)) -> Plan:
    """Decide, at the moment a delivery is due, whether it goes out, waits, or is not sent at all.

    Events of different keys arrive in any order: a message whose person or evening is not known yet
    waits for them a bounded time, then goes out without the evening (or not at all without a person).
    """
    kind = delivery["kind"]
    waited = waited_s(delivery, now)
    if recipient is None or recipient.get("erased"):
        if recipient is None and waited < PERSON_WAIT_S:
            return Plan("defer", until=now + wait_step(waited), reason="waiting for the person")
        return Plan("suppress", reason="recipient unknown or erased")
    if kind in ATTENDING_KINDS and (registration or {}).get("status") == "cancelled":
        return Plan("suppress", reason="registration cancelled")
    # At the door a colour without the evening's title is still the colour: it waits for it only briefly.
    evening_wait_s = min(wait_for_context_s, 5.0) if kind in IMMEDIATE_KINDS else wait_for_context_s
    if kind in MEETING_KINDS and meeting is None and waited < evening_wait_s:
        return Plan("defer", until=now + wait_step(waited), reason="waiting for the evening")
    if kind == REMINDER:
        if meeting is None:
            return Plan("suppress", reason="evening unknown")
        if meeting.get("cancelled"):
            return Plan("suppress", reason="evening cancelled")
        if meeting["starts_at"] <= now:
            return Plan("suppress", reason="evening already started")
        if registration and registration.get("created_at") and \
                registration["created_at"] > reminder_due(meeting["starts_at"], reminder_before_h):
            return Plan("suppress", reason="signed up after the reminder time")
        wanted = reminder_due(meeting["starts_at"], reminder_before_h)
        if now < wanted - dt.timedelta(seconds=1):
            return Plan("defer", until=wanted, reason="the evening moved")
    channel = choose_channel(recipient.get("preferred_channel"), recipient.get("email"), recipient.get("phone"),
                             recipient.get("unsubscribed"))
    if channel is None:
        return Plan("suppress", reason="no channel: no address or unsubscribed")
    if channel == SMS and kind not in IMMEDIATE_KINDS:
        held = quiet_until(now, tz, *quiet)
        if held is not None:
            return Plan("defer", channel=channel, until=held, reason="quiet hours")
    return Plan("send", channel=channel)
