"""The only module that talks to MongoDB: the read model (people, registrations, evenings, initiatives), the
delivery log, and the queue the senders work from.

Written for what FerretDB v1 (SQLite) really does, measured: only an ``_id`` equality is fast (everything
else scans the collection), and a conditional update or findAndModify is NOT atomic between clients (two
clients can both "win" it). An insert under a unique ``_id`` is atomic. Hence:

- ``deliveries`` is the log and the truth (status), written by ``_id`` only;
- ``queue`` holds only deliveries due within minutes, so scanning it stays cheap; ``scheduled`` holds the
  later ones (reminders, quiet-hour holds) until housekeeping moves them over;
- a sender owns a delivery by inserting ``claims/<id>/<generation>``: exactly one insert wins, and a claim
  that expired (its sender died) is taken over by moving to the next generation.
"""
import datetime as dt
import time

from pymongo import ASCENDING
from pymongo.database import Database
from pymongo.errors import BulkWriteError, DuplicateKeyError

from wijkkracht import mongo

from ..domain import model

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
# A reminder whose evening is not known yet waits here until meeting.scheduled sets its time.
NOT_YET = dt.datetime(9999, 1, 1, tzinfo=dt.timezone.utc)
QUEUE_HORIZON = dt.timedelta(seconds=120)

INDEXES = {
    # Real MongoDB uses these; FerretDB v1 scans anyway, which is why the hot paths go by _id.
    "deliveries": [([("person_id", ASCENDING)], {}), ([("meeting_id", ASCENDING), ("kind", ASCENDING)], {})],
    "queue": [([("due_at", ASCENDING)], {})],
    "scheduled": [([("due_at", ASCENDING)], {}), ([("meeting_id", ASCENDING)], {})],
    "registrations": [([("meeting_id", ASCENDING)], {})],
    "people": [([("phone", ASCENDING)], {})],
    "claims": [([("expires", ASCENDING)], {})],
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


def _insert_ignoring_duplicates(collection, docs: list[dict]) -> set:
    """Insert; return the ids that were already there."""
    if not docs:
        return set()
    try:
        collection.insert_many(docs, ordered=False)
        return set()
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        if any(e.get("code") != 11000 for e in errors):
            raise
        return {docs[e["index"]]["_id"] for e in errors}


# --- The read model ---------------------------------------------------------------------------------------

PERSON_FIELDS = ("name", "email", "phone", "language", "preferred_channel", "consent")


def is_erased(db: Database, person_id: str) -> bool:
    return db.erased.find_one({"_id": person_id}) is not None


def upsert_person(db: Database, person_id: str, fields: dict):
    """Newest contact details win; an erased person is not brought back by a late event."""
    if is_erased(db, person_id):
        return
    values = {k: fields[k] for k in PERSON_FIELDS if k in fields}
    try:  # an insert: FerretDB serialises updates, inserts go straight through
        db.people.insert_one({"_id": person_id, **values, "updated_at": now()})
        return
    except DuplicateKeyError:
        pass
    known = db.people.find_one({"_id": person_id}) or {}
    if any(known.get(k) != v for k, v in values.items()):
        db.people.update_one({"_id": person_id}, {"$set": {**values, "updated_at": now()}})


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


def upsert_registration(db: Database, registration_id: str, fields: dict, initial_status: str):
    """A later cancel or promotion (or one that overtook this event) keeps its status."""
    try:
        db.registrations.insert_one({"_id": registration_id, **fields, "status": initial_status})
    except DuplicateKeyError:
        db.registrations.update_one({"_id": registration_id}, {"$set": fields})


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


def upsert_initiative(db: Database, initiative_id: str, fields: dict):
    db.initiatives.update_one({"_id": initiative_id}, {"$set": fields}, upsert=True)


def initiative(db: Database, initiative_id: str | None) -> dict | None:
    return db.initiatives.find_one({"_id": initiative_id}) if initiative_id else None


def erase_person(db: Database, person_id: str):
    """Forget a person: a tombstone (so a late event can't bring them back), no contact details or
    registrations, and the delivery log kept without anything that identifies them."""
    db.erased.update_one({"_id": person_id}, {"$set": {"at": now()}}, upsert=True)
    db.people.delete_one({"_id": person_id})
    db.registrations.delete_many({"person_id": person_id})
    ids = delivery_ids_of_person(db, person_id)
    db.by_person.delete_one({"_id": person_id})
    for delivery_id in ids:
        db.deliveries.update_one({"_id": delivery_id, "status": model.PENDING},
                                 {"$set": {"status": model.SUPPRESSED, "reason": "person erased"}})
        db.deliveries.update_one({"_id": delivery_id},
                                 {"$set": {"person_id": None, "erased": True}, "$unset": {"data": ""}})


# --- Deliveries: the log ----------------------------------------------------------------------------------

def new_delivery(delivery_id: str, kind: str, *, person_id: str | None, meeting_id: str | None,
                 channel: str | None, event_at: dt.datetime | str | None, due_at: dt.datetime | None = None,
                 data: dict | None = None, initiative_id: str | None = None,
                 registration_id: str | None = None, audience: str = "person") -> dict:
    created = now()
    if isinstance(event_at, str):
        event_at = dt.datetime.fromisoformat(event_at)
    return {
        "_id": delivery_id, "kind": kind, "person_id": person_id, "meeting_id": meeting_id,
        "initiative_id": initiative_id, "registration_id": registration_id, "audience": audience,
        "channel": channel, "status": model.PENDING, "attempts": 0,
        "due_at": due_at or created, "created_at": created, "event_at": event_at or created,
        "sent_at": None, "reason": None, "data": data or {},
    }


def record(db: Database, deliveries: list[dict], wake=None) -> int:
    """Record deliveries and queue them. Those already recorded (same deterministic id) stay as they are;
    if one is still pending it is queued again, in case the first try stopped between log and queue.
    ``wake()`` tells idle senders there is work, before the (slower) per-person index is updated."""
    if not deliveries:
        return 0
    existing = _insert_ignoring_duplicates(db.deliveries, deliveries)
    to_queue = [d for d in deliveries if d["_id"] not in existing]
    for delivery_id in existing:
        doc = db.deliveries.find_one({"_id": delivery_id})
        if doc and doc["status"] == model.PENDING:
            to_queue.append(doc)
    enqueue(db, to_queue)
    if wake is not None and to_queue:
        wake()
    # The per-person index the delivery log API reads (a scan of all deliveries is seconds on FerretDB).
    # Updated after the senders are woken: it must not delay the colour at the door.
    for person_id in {d["person_id"] for d in deliveries if d.get("person_id")}:
        ids = [d["_id"] for d in deliveries if d.get("person_id") == person_id]
        db.by_person.update_one({"_id": person_id}, {"$addToSet": {"ids": {"$each": ids}}}, upsert=True)
    return len(deliveries) - len(existing)


def enqueue(db: Database, deliveries: list[dict]):
    soon = now() + QUEUE_HORIZON
    queue = [{"_id": d["_id"], "due_at": d["due_at"], "gen": 0, "urgent": d["kind"] in model.IMMEDIATE_KINDS}
             for d in deliveries if d["due_at"] <= soon]
    later = [{"_id": d["_id"], "due_at": d["due_at"], "meeting_id": d.get("meeting_id"), "kind": d["kind"]}
             for d in deliveries if d["due_at"] > soon]
    _insert_ignoring_duplicates(db.queue, queue)
    _insert_ignoring_duplicates(db.scheduled, later)


def delivery(db: Database, delivery_id: str) -> dict | None:
    return db.deliveries.find_one({"_id": delivery_id})


def delivery_ids_of_person(db: Database, person_id: str) -> list[str]:
    doc = db.by_person.find_one({"_id": person_id})
    return list(doc["ids"]) if doc else []


def deliveries(db: Database, person_id: str | None, meeting_id: str | None, limit: int = 1000) -> list[dict]:
    """The log for a person (by the per-person index and _id look-ups) and/or an evening (a scan on
    FerretDB, an index on MongoDB)."""
    if person_id:
        docs = [d for d in (delivery(db, i) for i in delivery_ids_of_person(db, person_id)) if d]
        if meeting_id:
            docs = [d for d in docs if d.get("meeting_id") == meeting_id]
    else:
        docs = list(db.deliveries.find({"meeting_id": meeting_id}).limit(limit))
    return sorted(docs, key=lambda d: d["created_at"])[:limit]


def mark_handed_over(db: Database, delivery_id: str, channel: str):
    """Called the instant the message is handed over. An insert, not an update: FerretDB serialises
    updates behind one lock (seconds under load), and this write must land in microseconds."""
    try:
        db.sent.insert_one({"_id": delivery_id, "at": now(), "channel": channel})
    except DuplicateKeyError:
        pass


def handed_over(db: Database, delivery_id: str) -> dict | None:
    return db.sent.find_one({"_id": delivery_id})


def unmark_handed_over(db: Database, delivery_id: str):
    """The provider said no after all: the message was not taken."""
    db.sent.delete_one({"_id": delivery_id})


def mark_sent(db: Database, delivery_id: str, channel: str, at: dt.datetime | None = None, attempts: int = 1,
              receipt: str | None = None):
    """The log follows the hand-over mark (which is what guards against sending twice)."""
    db.deliveries.update_one({"_id": delivery_id}, {"$set": {
        "status": model.SENT, "sent_at": at or now(), "channel": channel, "reason": None,
        "receipt": (receipt or "")[:200] or None}, "$inc": {"attempts": attempts}})


def retry_later(db: Database, claim: "Claim", due_at: dt.datetime, reason: str, *, attempted: bool,
                was_marked: bool = False):
    """Back to pending for another try at ``due_at``. ``was_marked``: mark_sent already counted the attempt."""
    update = {"$set": {"status": model.PENDING, "due_at": due_at, "reason": reason[:300], "sent_at": None}}
    if attempted and not was_marked:
        update["$inc"] = {"attempts": 1}
    db.deliveries.update_one({"_id": claim.delivery_id}, update)
    reschedule(db, claim, due_at)


def defer(db: Database, claim: "Claim", until: dt.datetime, reason: str | None):
    db.deliveries.update_one({"_id": claim.delivery_id}, {"$set": {"due_at": until, "reason": reason}})
    reschedule(db, claim, until)


def finish(db: Database, claim: "Claim", status: str, reason: str | None, *, was_marked: bool = False,
           counts_attempt: bool = False):
    """A final state: failed or suppressed. Off the queue."""
    update = {"$set": {"status": status, "reason": (reason or "")[:300] or None, "sent_at": None}}
    if counts_attempt and not was_marked:
        update["$inc"] = {"attempts": 1}
    db.deliveries.update_one({"_id": claim.delivery_id}, update)
    done(db, claim)


def set_status(db: Database, delivery_id: str, status: str, reason: str):
    """Change a pending delivery's status directly (a cancelled registration's reminder, say)."""
    doc = delivery(db, delivery_id)
    if doc and doc["status"] == model.PENDING:
        db.deliveries.update_one({"_id": delivery_id}, {"$set": {"status": status, "reason": reason}})


def reschedule_reminders(db: Database, meeting_id: str, due_at: dt.datetime) -> int:
    """The evening moved: its pending reminders move with it (the sender checks the time again anyway)."""
    moved = 0
    for entry in db.scheduled.find({"meeting_id": meeting_id, "kind": model.REMINDER}, {"_id": 1}):
        db.scheduled.update_one({"_id": entry["_id"]}, {"$set": {"due_at": due_at}})
        db.deliveries.update_one({"_id": entry["_id"]}, {"$set": {"due_at": due_at}})
        moved += 1
    return moved


# --- The queue and the claims -----------------------------------------------------------------------------

class Claim:
    """Ownership of one queued delivery: the winning insert of ``claims/<id>/<gen>``."""

    __slots__ = ("delivery_id", "gen", "expires_monotonic", "kind", "meeting_id")

    def __init__(self, delivery_id: str, gen: int, lease_s: float):
        self.delivery_id = delivery_id
        self.gen = gen
        self.kind = self.meeting_id = None  # filled in once the delivery is read
        self.expires_monotonic = time.monotonic() + lease_s

    def remaining_s(self) -> float:
        return self.expires_monotonic - time.monotonic()


def due_urgent(db: Database, limit: int) -> list[dict]:
    return list(db.queue.find({"due_at": {"$lte": now()}, "urgent": True}).limit(limit))


def due(db: Database, limit: int) -> tuple[list[dict], list[dict]]:
    """Queue entries due now, the urgent ones (the colour at the door) apart so they go first.
    The queue is small: only what is due within minutes."""
    moment = now()
    urgent = list(db.queue.find({"due_at": {"$lte": moment}, "urgent": True}).limit(limit))
    rest = list(db.queue.find({"due_at": {"$lte": moment}, "urgent": {"$ne": True}}).limit(limit))
    return urgent, rest


def claim(db: Database, entry: dict, lease_s: float, owner: str) -> Claim | None:
    """Own ``entry`` or return None if another sender does. A claim whose lease ran out (its sender was
    killed) is taken over by moving the entry to the next generation; the insert decides who gets it."""
    delivery_id, gen = entry["_id"], entry.get("gen", 0)
    expires = now() + dt.timedelta(seconds=lease_s)
    try:
        db.claims.insert_one({"_id": f"{delivery_id}/{gen}", "owner": owner, "expires": expires})
        return Claim(delivery_id, gen, lease_s)
    except DuplicateKeyError:
        pass
    held = db.claims.find_one({"_id": f"{delivery_id}/{gen}"})
    if held is not None and held["expires"] > now():
        return None
    db.queue.update_one({"_id": delivery_id}, {"$set": {"gen": gen + 1}})
    try:
        db.claims.insert_one({"_id": f"{delivery_id}/{gen + 1}", "owner": owner, "expires": expires})
        return Claim(delivery_id, gen + 1, lease_s)
    except DuplicateKeyError:
        return None


def done(db: Database, claim: Claim):
    """Off the queue: sent, failed or suppressed."""
    db.queue.delete_one({"_id": claim.delivery_id})


def reschedule(db: Database, claim: Claim, due_at: dt.datetime):
    """Back on the queue for later, under a fresh generation so the next try needs a new claim."""
    if due_at > now() + QUEUE_HORIZON:
        _insert_ignoring_duplicates(db.scheduled, [{"_id": claim.delivery_id, "due_at": due_at,
                                                    "meeting_id": claim.meeting_id, "kind": claim.kind}])
        db.scheduled.update_one({"_id": claim.delivery_id}, {"$set": {"due_at": due_at}})
        db.queue.delete_one({"_id": claim.delivery_id})
    else:
        db.queue.update_one({"_id": claim.delivery_id}, {"$set": {"due_at": due_at, "gen": claim.gen + 1}})


def promote_scheduled(db: Database) -> int:
    """Move what falls due within the horizon from ``scheduled`` to the queue."""
    soon = now() + QUEUE_HORIZON
    moved = 0
    for entry in list(db.scheduled.find({"due_at": {"$lte": soon}}).limit(2000)):
        # A fresh generation: the previous claims on this delivery may still be in the claims collection.
        gen = int(time.time() * 1000)
        _insert_ignoring_duplicates(db.queue, [{"_id": entry["_id"], "due_at": entry["due_at"], "gen": gen}])
        db.scheduled.delete_one({"_id": entry["_id"]})
        moved += 1
    return moved


def reminders_waiting_for_meeting(db: Database, limit: int = 500) -> list[dict]:
    return list(db.scheduled.find({"kind": model.REMINDER, "due_at": NOT_YET}, {"_id": 1, "meeting_id": 1})
                .limit(limit))


def purge_claims(db: Database, older_than: dt.timedelta = dt.timedelta(minutes=10)) -> int:
    return db.claims.delete_many({"expires": {"$lt": now() - older_than}}).deleted_count
