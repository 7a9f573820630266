"""The only module that talks to MongoDB: the read model (people, registrations, evenings, initiatives) and
the deliveries, which are both the log and the queue the senders work from.

A pending delivery carries ``lane``, where it waits: ``urgent`` (the colour at the door, sent first),
``due`` (due within minutes) or ``later:<UTC day it is due>`` (a reminder, a quiet-hour hold). Senders poll
the two near lanes by their indexed value; housekeeping moves today's and tomorrow's ``later`` ones to
``due`` as their time comes, so neither reads the reminders of every evening ahead. A sender owns a
delivery while its lease runs, taken with one atomic conditional update; a killed sender's lease runs out.
"""
import datetime as dt
import time

from pymongo import ASCENDING, ReturnDocument, UpdateOne
from pymongo.database import Database
from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure

from wijkkracht import mongo, outbox

from ..domain import model

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
# A reminder whose evening is not known yet waits here until meeting.scheduled sets its time.
NOT_YET = dt.datetime(9999, 1, 1, tzinfo=dt.timezone.utc)
QUEUE_HORIZON = dt.timedelta(seconds=120)
URGENT, DUE, LATER = "urgent", "due", "later"

INDEXES = {
    # A delivery's outcome event waits in its outbox (delivery.sent/failed/suppressed, see outcomes.py).
    "deliveries": [outbox.INDEX, ([("lane", ASCENDING), ("due_at", ASCENDING)], {}),
                   ([("person_id", ASCENDING), ("created_at", ASCENDING)], {}),
                   ([("meeting_id", ASCENDING), ("kind", ASCENDING)], {})],
    "registrations": [([("meeting_id", ASCENDING)], {})],
    "people": [([("phone", ASCENDING)], {})],
}


def ensure_indexes(db: Database):
    mongo.ensure_indexes(db, INDEXES)


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def ping(db: Database) -> bool:
    try:
        db.command("ping")
        return True
    except mongo.PyMongoError:
        return False


def _is_duplicate(exc: Exception) -> bool:
    """A unique-index violation; some stores report it on an upsert as a plain OperationFailure code 1."""
    return isinstance(exc, DuplicateKeyError) or (isinstance(exc, OperationFailure) and exc.code in (1, 11000))


# --- The read model ---------------------------------------------------------------------------------------

PERSON_FIELDS = ("name", "email", "phone", "language", "preferred_channel", "consent")


def upsert_people(db: Database, people: list[tuple[str, dict]]):
    """Newest contact details win (``people`` in the order they came); an erased person (a tombstone) is not
    brought back by a late event. One command however many."""
    at = now()
    writes = [({"_id": person_id, "erased": {"$ne": True}},
               {"$set": {**{k: fields[k] for k in PERSON_FIELDS if k in fields}, "updated_at": at}})
              for person_id, fields in people]
    _upsert_all(db.people, writes, on_duplicate=lambda living, update: db.people.update_one(living, update))


def _upsert_all(collection, writes: list[tuple[dict, dict]], on_duplicate):
    """Upsert each ``(filter, update)`` in order: many in one command, which raises if any meets a unique
    index (the consumer then hands the events over one by one, and an upsert repeated changes nothing); one
    alone with ``on_duplicate(filter, update)`` where it does (a tombstone, or a first insert that won a race)."""
    if len(writes) > 1:
        collection.bulk_write([UpdateOne(f, u, upsert=True) for f, u in writes], ordered=True)
        return
    for f, u in writes:
        try:
            collection.update_one(f, u, upsert=True)
        except (DuplicateKeyError, OperationFailure) as exc:
            if not _is_duplicate(exc):
                raise
            on_duplicate(f, u)


def erased_among(db: Database, person_ids: set[str]) -> set[str]:
    """Of ``person_ids``, those whose tombstone is there."""
    return {p["_id"] for p in db.people.find({"_id": {"$in": sorted(person_ids)}, "erased": True}, {"_id": 1})}


def is_erased(db: Database, person_id: str | None) -> bool:
    """The person's tombstone is there (``erase_person``): nothing about them is kept or sent again."""
    return bool(person_id) and db.people.find_one({"_id": person_id, "erased": True}, {"_id": 1}) is not None


def person(db: Database, person_id: str | None) -> dict | None:
    return db.people.find_one({"_id": person_id}) if person_id else None


def people_with_phone(db: Database, phone: str) -> list[str]:
    return [p["_id"] for p in db.people.find({"phone": phone}, {"_id": 1})]


def set_unsubscribed(db: Database, person_id: str, channels: list[str]) -> bool:
    result = db.people.update_one({"_id": person_id}, {"$set": {f"unsubscribed.{c}": True for c in channels}})
    return result.matched_count == 1


def set_initiative_unsubscribed(db: Database, initiative_id: str, channels: list[str]) -> bool:
    result = db.initiatives.update_one({"_id": initiative_id}, {"$set": {f"unsubscribed.{c}": True for c in channels}})
    return result.matched_count == 1


def upsert_registrations(db: Database, registrations: list[tuple[str, dict, str]]):
    """``(id, fields, initial status)`` each: a later cancel or promotion (or one that overtook this event)
    keeps its status. One command however many."""
    writes = [({"_id": registration_id}, {"$set": fields, "$setOnInsert": {"status": initial_status}})
              for registration_id, fields, initial_status in registrations]
    # A concurrent first insert won: what this event says, without its initial status.
    _upsert_all(db.registrations, writes, on_duplicate=lambda f, u: db.registrations.update_one(f, {"$set": u["$set"]}))


def set_registration_status(db: Database, registration_id: str, person_id: str, meeting_id: str, status: str):
    db.registrations.update_one({"_id": registration_id}, {"$set": {
        "status": status, "person_id": person_id, "meeting_id": meeting_id}}, upsert=True)


def registration(db: Database, registration_id: str | None) -> dict | None:
    return db.registrations.find_one({"_id": registration_id}) if registration_id else None


def registrations_of_meeting(db: Database, meeting_id: str, statuses: tuple[str, ...]) -> list[dict]:
    return list(db.registrations.find({"meeting_id": meeting_id, "status": {"$in": list(statuses)}}))


def upsert_meeting(db: Database, meeting_id: str, fields: dict):
    db.meetings.update_one({"_id": meeting_id}, {"$set": fields}, upsert=True)


def meeting(db: Database, meeting_id: str | None) -> dict | None:
    return db.meetings.find_one({"_id": meeting_id}) if meeting_id else None


def upsert_initiative(db: Database, initiative_id: str, fields: dict) -> dict | None:
    """Hold what an event says of the initiative; returns it as we held it before (None if new)."""
    return db.initiatives.find_one_and_update({"_id": initiative_id}, {"$set": fields}, upsert=True,
                                              return_document=ReturnDocument.BEFORE)


def replace_named_contact(db: Database, initiative_id: str, contact: dict):
    """A pair's messages keep an initiative as the pair's event named it when it was not known here yet; its
    contact changed or was erased since, so what they keep follows: an erased contact is gone from every
    message, sent or not. Rare (a contact changes seldom), so no index serves it."""
    for d in db.deliveries.find({"kind": model.INITIATIVE_PAIR_ACCEPTED, "data.initiative_ids": initiative_id},
                                {"data.initiatives": 1}):
        named = (d.get("data") or {}).get("initiatives") or []
        if any(i.get("initiative_id") == initiative_id and "contact" in i for i in named):
            db.deliveries.update_one({"_id": d["_id"]}, {"$set": {"data.initiatives": [
                {**i, "contact": contact} if i.get("initiative_id") == initiative_id and "contact" in i else i
                for i in named]}})


def initiative(db: Database, initiative_id: str | None) -> dict | None:
    return db.initiatives.find_one({"_id": initiative_id}) if initiative_id else None


def erase_person(db: Database, person_id: str):
    """Forget a person: a tombstone in place of their contact details (so a late event can't bring them
    back), no registrations, and the delivery log kept without anything that identifies them."""
    db.people.update_one({"_id": person_id}, {"$set": {"erased": True, "erased_at": now()},
                                              "$unset": {f: "" for f in (*PERSON_FIELDS, "unsubscribed")}},
                         upsert=True)
    db.registrations.delete_many({"person_id": person_id})
    db.deliveries.update_many({"person_id": person_id, "status": model.PENDING},
                              {"$set": {"status": model.SUPPRESSED, "reason": "person erased"},
                               "$unset": {"lane": ""}})
    db.deliveries.update_many({"person_id": person_id},
                              {"$set": {"person_id": None, "erased": True}, "$unset": {"data": ""}})


# --- Deliveries: the log ----------------------------------------------------------------------------------

def lane(kind: str, due_at: dt.datetime) -> str:
    if due_at > now() + QUEUE_HORIZON:
        return later_lane(due_at.astimezone(dt.timezone.utc).date())
    return URGENT if kind in model.IMMEDIATE_KINDS else DUE


def later_lane(day: dt.date) -> str:
    """What is due on ``day`` (UTC) and not yet within the senders' horizon."""
    return f"{LATER}:{day.isoformat()}"


def new_delivery(delivery_id: str, kind: str, *, person_id: str | None, meeting_id: str | None,
                 channel: str | None, event_at: dt.datetime | str | None, due_at: dt.datetime | None = None,
                 data: dict | None = None, initiative_id: str | None = None,
                 registration_id: str | None = None, audience: str = "person") -> dict:
    created = now()
    if isinstance(event_at, str):
        event_at = dt.datetime.fromisoformat(event_at)
    due_at = due_at or created
    return {
        "_id": delivery_id, "kind": kind, "person_id": person_id, "meeting_id": meeting_id,
        "initiative_id": initiative_id, "registration_id": registration_id, "audience": audience,
        "channel": channel, "status": model.PENDING, "attempts": 0,
        "due_at": due_at, "created_at": created, "event_at": event_at or created,
        "sent_at": None, "reason": None, "data": data or {},
        "lane": lane(kind, due_at), "lease_until": EPOCH,
    }


def record(db: Database, deliveries: list[dict], wake=None) -> int:
    """Record deliveries, ready for the senders; those already recorded (same deterministic id) stay as
    they are. ``wake(n)`` tells idle senders there are ``n`` new. Returns how many were new."""
    if not deliveries:
        return 0
    try:
        db.deliveries.insert_many(deliveries, ordered=False)
        existing = 0
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        if any(e.get("code") != 11000 for e in errors):
            raise
        existing = len(errors)
    if wake is not None and existing < len(deliveries):
        wake(len(deliveries) - existing)
    return len(deliveries) - existing


def delivery(db: Database, delivery_id: str) -> dict | None:
    return db.deliveries.find_one({"_id": delivery_id})


def deliveries(db: Database, person_id: str | None, meeting_id: str | None, limit: int = 1000) -> list[dict]:
    """The log for a person and/or an evening, oldest first."""
    query = {k: v for k, v in (("person_id", person_id), ("meeting_id", meeting_id)) if v}
    return list(db.deliveries.find(query).sort("created_at", ASCENDING).limit(limit))


def sent_mark(channel: str, counts_attempt: bool = True, events: list[dict] = ()) -> dict:
    """The update that records a delivery sent on ``channel``, with its ``delivery.sent`` (``events``) in the
    same write. Built before the hand-over, so that after the provider takes the message only the write
    itself is left. ``counts_attempt`` False: the provider turned out to have an earlier attempt's message."""
    update = {"$set": {"status": model.SENT, "sent_at": now(), "channel": channel, "reason": None},
              "$unset": {"lane": "", "owner": "", "maybe_sent": "", "failing_since": "", "interrupted": ""}}
    if counts_attempt:
        update["$inc"] = {"attempts": 1}
    return outbox.with_events(update, list(events))


def mark_sent(db: Database, claim: "Claim", mark: dict):
    """Called the instant the message is handed over, before the provider's answer is read: from here on
    it counts as sent, and no sender takes it again. ``mark``: from ``sent_mark``."""
    db.deliveries.update_one({"_id": claim.delivery_id}, mark)


def _again_at(claim: "Claim", due_at: dt.datetime) -> dict:
    """Pending again from ``due_at``, in the lane that time belongs to, with the lease released."""
    return {"status": model.PENDING, "due_at": due_at, "lane": lane(claim.kind, due_at), "lease_until": EPOCH}


def retry_later(db: Database, claim: "Claim", due_at: dt.datetime, reason: str, *, attempted: bool,
                was_marked: bool = False, progress: dict | None = None):
    """Back to pending for another try at ``due_at``. ``was_marked``: mark_sent already counted the attempt.
    ``progress``: the sender's notes for the next try (``failing_since``, ``maybe_sent``)."""
    update = {"$set": {**_again_at(claim, due_at), **(progress or {}), "reason": reason[:300], "sent_at": None}}
    if attempted and not was_marked:
        update["$inc"] = {"attempts": 1}
    db.deliveries.update_one({"_id": claim.delivery_id}, update)


def defer(db: Database, claim: "Claim", until: dt.datetime, reason: str | None, *, waiting_since: dt.datetime):
    """Pending again at ``until``, waiting for something (``reason``) since ``waiting_since``."""
    db.deliveries.update_one({"_id": claim.delivery_id},
                             {"$set": {**_again_at(claim, until), "reason": reason, "waiting_since": waiting_since}})


def finish(db: Database, claim: "Claim", status: str, reason: str | None, *, was_marked: bool = False,
           counts_attempt: bool = False, events: list[dict] = ()):
    """A final state: failed or suppressed. Off the queue. ``events``: its outcome event, in the same write."""
    update = {"$set": {"status": status, "reason": (reason or "")[:300] or None, "sent_at": None},
              "$unset": {"lane": "", "interrupted": ""}}
    if counts_attempt and not was_marked:
        update["$inc"] = {"attempts": 1}
    db.deliveries.update_one({"_id": claim.delivery_id}, outbox.with_events(update, list(events)))


def resend(db: Database, delivery_id: str, request_id: str, by: str | None) -> dict | None:
    """An organiser's resend of a failed delivery: pending again at once, with the request recorded. One
    conditional update, so a repeated request (same ``request_id``) or a second organiser racing it does not
    queue it twice. Returns the delivery as it now is, or None if it was not failed (or is not there)."""
    moment = now()
    return db.deliveries.find_one_and_update(
        {"_id": delivery_id, "status": model.FAILED},
        {"$set": {"status": model.PENDING, "due_at": moment, "lane": DUE, "lease_until": EPOCH,
                  "failing_since": moment, "reason": "resent by an organiser"},
         "$unset": {"maybe_sent": ""},
         "$push": {"resends": {"request_id": request_id, "at": moment, "by": by}}},
        return_document=ReturnDocument.AFTER)


def set_status(db: Database, delivery_id: str, status: str, reason: str, events: list[dict] = ()):
    """Change a pending delivery's status directly (a cancelled registration's reminder, say); ``events``
    (its outcome) are written only if it was still pending."""
    db.deliveries.update_one({"_id": delivery_id, "status": model.PENDING},
                             outbox.with_events({"$set": {"status": status, "reason": reason},
                                                 "$unset": {"lane": ""}}, list(events)))


def reschedule_reminders(db: Database, meeting_id: str, due_at: dt.datetime) -> int:
    """The evening moved: its pending reminders move with it (the sender checks the time again anyway)."""
    return db.deliveries.update_many(
        {"meeting_id": meeting_id, "kind": model.REMINDER, "status": model.PENDING},
        {"$set": {"due_at": due_at, "lane": lane(model.REMINDER, due_at)}}).modified_count


# --- The senders' queue -----------------------------------------------------------------------------------

class Claim:
    """A sender's ownership of one delivery, until its lease runs out."""

    __slots__ = ("delivery_id", "kind", "meeting_id", "expires_monotonic")

    def __init__(self, delivery: dict, lease_s: float):
        self.delivery_id = delivery["_id"]
        self.kind = delivery["kind"]
        self.meeting_id = delivery.get("meeting_id")
        self.expires_monotonic = time.monotonic() + lease_s

    def remaining_s(self) -> float:
        return self.expires_monotonic - time.monotonic()


def _ready(lane_name: str, moment: dt.datetime) -> dict:
    """Waiting in ``lane_name``, due, and owned by no sender (never claimed, or its lease ran out)."""
    return {"lane": lane_name, "due_at": {"$lte": moment}, "lease_until": {"$lte": moment}}


def due_urgent(db: Database, limit: int) -> list[dict]:
    return list(db.deliveries.find(_ready(URGENT, now()), {"_id": 1, "lane": 1, "due_at": 1}).limit(limit))


def due(db: Database, limit: int) -> tuple[list[dict], list[dict]]:
    """Deliveries due now and free, the urgent ones (the colour at the door) apart so they go first."""
    moment = now()
    return tuple(list(db.deliveries.find(_ready(name, moment), {"_id": 1, "lane": 1, "due_at": 1}).limit(limit))
                 for name in (URGENT, DUE))


def claim(db: Database, entry: dict, lease_s: float, owner: str) -> tuple[Claim, dict] | None:
    """Own the delivery ``entry`` names and read it, or None if another sender owns it or it is no longer
    due. One atomic conditional update decides between racing senders. The delivery comes with
    ``interrupted`` True when a sender before held it and never let it go (killed, or cut off from the
    store): it may have handed the message over already. That is kept until the delivery is settled."""
    moment = now()
    lease_until = moment + dt.timedelta(seconds=lease_s)
    found = db.deliveries.find_one_and_update(
        {"_id": entry["_id"], "lane": entry.get("lane", DUE), "due_at": {"$lte": moment},
         "lease_until": {"$lte": moment}},
        {"$set": {"lease_until": lease_until, "owner": owner}},
        return_document=ReturnDocument.BEFORE)
    if found is None:
        return None
    if found.get("lease_until", EPOCH) > EPOCH and not found.get("interrupted"):
        # Kept until the delivery is settled, through any wait or retry in between (rare: after a kill).
        db.deliveries.update_one({"_id": found["_id"], "owner": owner}, {"$set": {"interrupted": True}})
        found["interrupted"] = True
    found.update(lease_until=lease_until, owner=owner)
    return Claim(found, lease_s), found


def waiting_later(db: Database, days: list[dt.date], limit: int = 5000) -> list[dict]:
    """Pending deliveries in the ``later`` lanes of ``days``: reminders and holds."""
    return [doc for day in days
            for doc in db.deliveries.find({"lane": later_lane(day)}, {"_id": 1, "lane": 1, "due_at": 1, "kind": 1,
                                                                      "meeting_id": 1}).limit(limit)]


def promote(db: Database, waiting: list[dict]) -> int:
    """Move those of ``waiting`` that fall due within the horizon to the senders' lanes."""
    soon = now() + QUEUE_HORIZON
    moved = 0
    for entry in waiting:
        if entry["due_at"] <= soon:
            moved += db.deliveries.update_one(
                {"_id": entry["_id"], "lane": entry["lane"]},
                {"$set": {"lane": lane(entry["kind"], now())}}).modified_count
    return moved
