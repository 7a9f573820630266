"""Use cases: one plain function per event type, registered in EVENT_HANDLERS.

Each keeps the read model up to date and records the deliveries the event causes under deterministic ids,
so a redelivered event changes nothing. Sending is the sender job's business (sender.py), not theirs.
"""
import datetime as dt

from . import compose, config, outcomes
from .adapters import store
from .domain import model


def _wake(runtime):
    """Tells idle senders in this process there is work (set up by the worker's sender job)."""
    return getattr(runtime, "wake_senders", None)


def _time(value) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(value)


def _reminder(db, registration_id: str, person_id: str, meeting_id: str, event, starts_at=None) -> dict:
    """The reminder before the evening (``starts_at`` when the event says, else the evening we know); if
    the evening isn't known yet, it waits for meeting.scheduled."""
    if starts_at is None:
        meeting = store.meeting(db, meeting_id)
        starts_at = meeting["starts_at"] if meeting else None
    due = model.reminder_due(starts_at, config.reminder_before_h()) if starts_at else store.NOT_YET
    return store.new_delivery(model.delivery_id(model.REMINDER, registration_id), model.REMINDER,
                              person_id=person_id, meeting_id=meeting_id, channel=None, event_at=event.occurred_at,
                              due_at=due, registration_id=registration_id)


def registration_created(event, runtime):
    registrations_created([event], runtime)


def registrations_created(events, runtime):
    """Sign-ups, one or a run of them (a rush, or the queue after an outage): the people and registrations
    they name, and their confirmations and reminders, in four store commands however many. Someone erased
    before their event reached us is left out: their tombstone stays all there is."""
    db = runtime.db
    erased = store.erased_among(db, {e.payload["person_id"] for e in events})
    events = [e for e in events if e.payload["person_id"] not in erased]
    if not events:
        return
    store.upsert_people(db, [(e.payload["person_id"], {
        "name": e.payload["name"], "email": e.payload.get("email"), "phone": e.payload.get("phone"),
        "language": e.payload.get("language") or "nl", "preferred_channel": e.payload["preferred_channel"],
        "consent": e.payload.get("consent") or {}}) for e in events])
    store.upsert_registrations(db, [(e.payload["registration_id"], {
        "person_id": e.payload["person_id"], "meeting_id": e.payload["meeting_id"], "code": e.payload.get("code"),
        "cancel_url": e.payload.get("cancel_url"), "created_at": _time(e.occurred_at)}, e.payload["status"])
        for e in events])
    deliveries = []
    for event in events:
        p = event.payload
        if p.get("walk_in"):
            continue  # signed up at the door, standing there: no "you are signed up … cancel" text, no reminder
        kind = model.WAITLISTED if p["status"] == "waitlisted" else model.CONFIRMATION
        deliveries.append(store.new_delivery(model.delivery_id(kind, p["registration_id"]), kind,
                                             person_id=p["person_id"], meeting_id=p["meeting_id"],
                                             channel=p["preferred_channel"], event_at=event.occurred_at,
                                             registration_id=p["registration_id"],
                                             # What the message quotes, kept with it: one read less per message.
                                             data={"code": p.get("code"), "cancel_url": p.get("cancel_url"),
                                                   "signed_up_by": p.get("signed_up_by")}))
        if kind == model.CONFIRMATION:
            deliveries.append(_reminder(db, p["registration_id"], p["person_id"], p["meeting_id"], event,
                                        starts_at=_time(p.get("meeting_starts_at"))))
    store.record(db, wake=_wake(runtime), deliveries=deliveries)


def registration_resent(event, runtime):
    """The same person signed up again: their confirmation once more, to the address on file (one per
    such event, so a redelivery sends nothing twice)."""
    p = event.payload
    kind = model.WAITLISTED if p["status"] == "waitlisted" else model.CONFIRMATION
    store.record(runtime.db, wake=_wake(runtime), deliveries=[store.new_delivery(
        model.delivery_id(kind, p["registration_id"], event.event_id), kind, person_id=p["person_id"],
        meeting_id=p["meeting_id"], channel=p["preferred_channel"], event_at=event.occurred_at,
        registration_id=p["registration_id"], data={"code": p.get("code"), "cancel_url": p.get("cancel_url")})])


def registration_promoted(event, runtime):
    p = event.payload
    db = runtime.db
    store.set_registration_status(db, p["registration_id"], p["person_id"], p["meeting_id"], "confirmed")
    store.record(db, wake=_wake(runtime), deliveries=[
        store.new_delivery(model.delivery_id(model.WAITLIST_PROMOTION, p["registration_id"]),
                           model.WAITLIST_PROMOTION, person_id=p["person_id"], meeting_id=p["meeting_id"],
                           channel=None, event_at=event.occurred_at, registration_id=p["registration_id"]),
        _reminder(db, p["registration_id"], p["person_id"], p["meeting_id"], event),
    ])


def registration_cancelled(event, runtime):
    p = event.payload
    db = runtime.db
    store.set_registration_status(db, p["registration_id"], p["person_id"], p["meeting_id"], "cancelled")
    for kind in (model.REMINDER, model.WAITLIST_PROMOTION):
        delivery_id = model.delivery_id(kind, p["registration_id"])
        suppressed = outcomes.event(model.SUPPRESSED, {"_id": delivery_id, "kind": kind, "person_id": p["person_id"],
                                                       "meeting_id": p["meeting_id"]}, reason="registration cancelled")
        store.set_status(db, delivery_id, model.SUPPRESSED, "registration cancelled", events=[suppressed])
    if p.get("reason") == "erased":
        return  # cancelled because the person was erased: nobody is to be told
    store.record(db, wake=_wake(runtime), deliveries=[store.new_delivery(
        model.delivery_id(model.CANCELLATION, p["registration_id"]), model.CANCELLATION,
        person_id=p["person_id"], meeting_id=p["meeting_id"], channel=None, event_at=event.occurred_at,
        registration_id=p["registration_id"])])


def _meeting_fields(p: dict) -> dict:
    return {"title": p["title"], "starts_at": _time(p["starts_at"]), "venue": p["venue"], "area": p["area"],
            "partners": p.get("partners") or [], "initiative_ids": p.get("initiative_ids") or []}


def meeting_scheduled(event, runtime):
    p = event.payload
    fields = _meeting_fields(p)
    store.upsert_meeting(runtime.db, p["meeting_id"], fields)
    store.reschedule_reminders(runtime.db, p["meeting_id"],
                               model.reminder_due(fields["starts_at"], config.reminder_before_h()))


# A change residents need to hear about; a corrected title alone is not worth a message.
NOTEWORTHY = {"starts_at", "venue", "area"}


def meeting_changed(event, runtime):
    p = event.payload
    db = runtime.db
    fields = _meeting_fields(p)
    # The calendar invite's SEQUENCE must grow with every change: the change's time in seconds does.
    fields["sequence"] = int(_time(event.occurred_at).timestamp())
    store.upsert_meeting(db, p["meeting_id"], fields)
    store.reschedule_reminders(db, p["meeting_id"], model.reminder_due(fields["starts_at"], config.reminder_before_h()))
    changed = set(p.get("changed") or [])
    if changed and not changed & NOTEWORTHY:
        return
    store.record(db, wake=_wake(runtime), deliveries=[
        store.new_delivery(model.delivery_id(model.MEETING_CHANGED, event.event_id, r["_id"]), model.MEETING_CHANGED,
                           person_id=r["person_id"], meeting_id=p["meeting_id"], channel=None,
                           event_at=event.occurred_at, registration_id=r["_id"], data={"changed": sorted(changed)})
        for r in store.registrations_of_meeting(db, p["meeting_id"], ("confirmed", "waitlisted"))
    ])


def _initiative_fields(p: dict) -> dict:
    """What messages to an initiative need of it: name, contact, language, its page's link, its roles."""
    fields = {"name": p["name"], "contact": p["contact"], "language": p.get("language") or "nl",
              "roles": {r["role_id"]: r["title"] for r in p.get("roles") or []}}
    if p.get("page_url"):  # an older event without one keeps the link we know
        fields["page_url"] = p["page_url"]
    return fields


def _initiative_roles(p: dict) -> list[dict]:
    """The roles as a message sums them up: title and how many people each is for."""
    return [{"title": r["title"], "capacity": r.get("capacity", 1)} for r in p.get("roles") or []]


def _hold_announced(db, p: dict) -> str | None:
    """The whole initiative again (initiative.registered / .changed): what it now is replaces what we held
    (its contact, language, link and roles; an unsubscribe stays), in the pairs' messages too. Returns its
    status here before."""
    before = store.upsert_initiative(db, p["initiative_id"], {
        **_initiative_fields(p), "description": p.get("description") or "", "area": p.get("area") or "",
        "status": "approved"})
    if (before or {}).get("contact") != p["contact"]:  # new here (a pair may have named it first) or changed
        store.replace_named_contact(db, p["initiative_id"], p["contact"])
    return (before or {}).get("status")


def initiative_changed(event, runtime):
    _hold_announced(runtime.db, event.payload)


def _to_initiative(event, kind: str, delivery_id: str, status: str) -> dict:
    """A message to the initiative's contact (email, or SMS when they gave only a phone) about its
    registration: what it quotes beyond the read model (the status, the roles' capacities) kept with it."""
    p = event.payload
    return store.new_delivery(
        delivery_id, kind, person_id=None, meeting_id=None,
        channel=model.EMAIL if p["contact"].get("email") else model.SMS, event_at=event.occurred_at,
        initiative_id=p["initiative_id"], audience=compose.INITIATIVE,
        data={"status": status, "roles": _initiative_roles(p)})


def initiative_registered(event, runtime):
    """An initiative announced (approved). One we confirmed as pending was approved just now: its contact
    hears so, once, as the pending confirmation promised."""
    p = event.payload
    if _hold_announced(runtime.db, p) == "pending":
        kind = model.INITIATIVE_CONFIRMATION
        store.record(runtime.db, wake=_wake(runtime), deliveries=[
            _to_initiative(event, kind, model.delivery_id(kind, p["initiative_id"], "approved"), "approved")])


def _message_to_initiative(event, runtime, kind: str, delivery_id: str):
    """initiative.submitted / .link_requested. The initiative as the event gives it is held first (a pending
    one too: its contact, language and link are then known to the sender, and an unsubscribe sticks)."""
    p = event.payload
    store.upsert_initiative(runtime.db, p["initiative_id"], {**_initiative_fields(p), "status": p["status"]})
    store.record(runtime.db, wake=_wake(runtime), deliveries=[_to_initiative(event, kind, delivery_id, p["status"])])


def initiative_submitted(event, runtime):
    """An initiative registered: its confirmation, once per initiative and status (a redelivery sends nothing
    twice; a pending one hears again when approved, see initiative_registered)."""
    kind, p = model.INITIATIVE_CONFIRMATION, event.payload
    _message_to_initiative(event, runtime, kind, model.delivery_id(kind, p["initiative_id"], p["status"]))


def initiative_link_requested(event, runtime):
    """Its contact asked for the page's link again: one message per request (registration lets one through
    at most every five minutes)."""
    kind = model.INITIATIVE_LINK
    _message_to_initiative(event, runtime, kind,
                           model.delivery_id(kind, event.payload["initiative_id"], event.event_id))


def initiative_pair_accepted(event, runtime):
    """Both initiatives of a pair said interested: each gets the other's name and contact details, in its own
    language, once per pair and evening. The two as the event names them are kept with the messages."""
    p = event.payload
    pair = sorted(p["initiative_ids"])
    held = {i: store.initiative(runtime.db, i) is not None for i in pair}
    # The contact as the event gives it only for an initiative not known here yet (the messages use the one
    # held, which follows every change and an erasure).
    both = [{"initiative_id": i["initiative_id"], "name": i["name"], "language": i.get("language") or "nl",
             **({} if held.get(i["initiative_id"]) else {"contact": i["contact"]})} for i in p["initiatives"]]
    store.record(runtime.db, wake=_wake(runtime), deliveries=[
        store.new_delivery(
            model.delivery_id(model.INITIATIVE_PAIR_ACCEPTED, p["meeting_id"], *pair, initiative_id),
            model.INITIATIVE_PAIR_ACCEPTED, person_id=None, meeting_id=p["meeting_id"], channel=None,
            event_at=event.occurred_at, initiative_id=initiative_id, audience=compose.INITIATIVE,
            data={"initiative_ids": pair, "initiatives": both})
        for initiative_id in pair])


def colour_assigned(event, runtime):
    """A colour at the door; or, with ``changed_from``, a new one at the start (their table was too small and
    closed): a short "your new colour" message, as urgent as the first (one per event either way)."""
    p = event.payload
    kind, data = model.COLOUR, {"colour": p["colour"], "table": p["table"]}
    if p.get("changed_from"):
        kind, data["changed_from"] = model.COLOUR_CHANGED, p["changed_from"]
    store.record(runtime.db, wake=_wake(runtime), deliveries=[store.new_delivery(
        model.delivery_id(kind, event.event_id), kind, person_id=p["person_id"],
        meeting_id=p["meeting_id"], channel=None, event_at=event.occurred_at, data=data)])


def matches_proposed(event, runtime):
    """A thank-you per resident and an introduction per initiative pair. v2 brings an evening in parts (a few
    residents each, the pairs in part 1), v1 all at once: each part is handled on its own, and deliveries are
    keyed by meeting and person or pair, so a part redelivered or v1 and v2 of one evening send nothing twice."""
    p = event.payload
    meeting_id = p["meeting_id"]
    deliveries = [
        store.new_delivery(model.delivery_id(model.THANKS, meeting_id, r["person_id"]), model.THANKS,
                           person_id=r["person_id"], meeting_id=meeting_id, channel=None, event_at=event.occurred_at,
                           data={"suggestions": r["suggestions"], "list_url": r.get("list_url")})
        for r in p.get("residents") or [] if not store.is_erased(runtime.db, r["person_id"])
    ]
    for pair in p.get("initiatives") or []:
        ids = list(pair["initiative_ids"])[:2]
        for initiative_id in ids:
            deliveries.append(store.new_delivery(
                model.delivery_id(model.INITIATIVE_INTRODUCTION, meeting_id, *sorted(ids), initiative_id),
                model.INITIATIVE_INTRODUCTION, person_id=None, meeting_id=meeting_id, channel=model.EMAIL,
                event_at=event.occurred_at, initiative_id=initiative_id, audience=compose.INITIATIVE,
                data={"initiative_ids": ids, "reasons": pair.get("reasons") or {}, "score": pair.get("score")}))
    store.record(runtime.db, wake=_wake(runtime), deliveries=deliveries)


def match_accepted(event, runtime):
    """Introduce the resident to the initiative and the initiative to the resident."""
    p = event.payload
    parts = (p["meeting_id"], p["person_id"], p["initiative_id"], p["role_id"])
    data = {"resident_id": p["person_id"], "role_id": p["role_id"]}
    store.record(runtime.db, wake=_wake(runtime), deliveries=[
        store.new_delivery(model.delivery_id(model.INTRODUCTION, *parts, compose.PERSON), model.INTRODUCTION,
                           person_id=p["person_id"], meeting_id=p["meeting_id"], channel=None,
                           event_at=event.occurred_at, initiative_id=p["initiative_id"], data=data),
        store.new_delivery(model.delivery_id(model.INTRODUCTION, *parts, compose.INITIATIVE), model.INTRODUCTION,
                           person_id=None, meeting_id=p["meeting_id"], channel=model.EMAIL,
                           event_at=event.occurred_at, initiative_id=p["initiative_id"], audience=compose.INITIATIVE,
                           data=data),
    ])


def person_erased(event, runtime):
    store.erase_person(runtime.db, event.payload["person_id"])


def _unless_erased(handler):
    """An event about a person erased before it reached us (late, redelivered, or overtaken by
    ``person.erased``) changes nothing: their tombstone stays all there is."""
    def guarded(event, runtime):
        if store.is_erased(runtime.db, event.payload.get("person_id")):
            return None
        return handler(event, runtime)
    guarded.__name__ = handler.__name__
    guarded.__doc__ = handler.__doc__
    return guarded


EVENT_HANDLERS = {
    "registration.created": [registration_created],  # leaves out the erased itself
    "registration.resent": [_unless_erased(registration_resent)],
    "registration.promoted": [_unless_erased(registration_promoted)],
    "registration.cancelled": [_unless_erased(registration_cancelled)],
    "meeting.scheduled": [meeting_scheduled],
    "meeting.changed": [meeting_changed],
    "initiative.registered": [initiative_registered],
    "initiative.changed": [initiative_changed],
    "initiative.submitted": [initiative_submitted],
    "initiative.link_requested": [initiative_link_requested],
    "initiative_pair.accepted": [initiative_pair_accepted],
    "colour.assigned": [_unless_erased(colour_assigned)],
    "matches.proposed": [matches_proposed],
    "match.accepted": [_unless_erased(match_accepted)],
    "person.erased": [person_erased],
}

# Consecutive events of these types are handed over together (wijkkracht.worker): a queue of sign-ups is
# recorded in a few store commands, not four per sign-up.
RUN_HANDLERS = {
    "registration.created": registrations_created,
}
