"""The registration database: the only module that talks to MongoDB/FerretDB.

Every state change that others must hear about is one single-document INSERT carrying its events
(``wijkkracht.outbox``): the registration itself, a check-in, or a change record (a lifecycle step, an
edit, a cancellation, a promotion, an erasure) that is itself the record of the change. We never update a
document to add events: FerretDB v1 (SQLite) applies concurrent updates of one document as
read-modify-write and loses one of them (measured: 2 threads, 300 $set each, ~1/3 lost), so an update racing
the outbox relay's own update of that document could lose an event. Inserts are atomic there, and
uniqueness (one registration per person per evening, one registration per seat, one check-in per person,
each change once) is held by unique indexes, never by check-then-write. Fields kept on the base documents
for listing (a registration's ``status``) are caches, written without events and repaired by the worker.
"""
import datetime as dt
import hashlib
import re
import time

from pymongo import ASCENDING, ReturnDocument
from pymongo.database import Database
from wijkkracht import mongo, outbox

from ..domain import model

DuplicateKeyError = mongo.DuplicateKeyError

NO_OUTBOX = {"outbox": 0, "has_outbox": 0}
OUTBOX_COLLECTIONS = ["meetings", "meeting_changes", "registrations", "registration_changes", "erasures",
                      "initiatives", "checkins", "interests"]
LIFECYCLE_RANK = {status: rank for rank, status in enumerate(model.LIFECYCLE)}

INDEXES = {
    "meetings": [outbox.INDEX, ([("starts_at", ASCENDING)], {"name": "by_start"})],
    "registrations": [
        outbox.INDEX,
        ([("meeting_id", ASCENDING), ("email_key", ASCENDING)], {"unique": True, "name": "uniq_email"}),
        ([("meeting_id", ASCENDING), ("phone_key", ASCENDING)], {"unique": True, "name": "uniq_phone"}),
        ([("meeting_id", ASCENDING), ("code", ASCENDING)], {"unique": True, "name": "uniq_code"}),
        ([("person_id", ASCENDING)], {"name": "by_person"}),
        ([("meeting_id", ASCENDING), ("status", ASCENDING)], {"name": "by_status"}),
    ],
    "meeting_changes": [outbox.INDEX, ([("meeting_id", ASCENDING), ("at", ASCENDING)], {"name": "by_meeting"})],
    "registration_changes": [outbox.INDEX, ([("meeting_id", ASCENDING)], {"name": "by_meeting"}),
                             ([("registration_id", ASCENDING)], {"name": "by_registration"})],
    "seats": [([("meeting_id", ASCENDING)], {"name": "by_meeting"}),
              ([("registration_id", ASCENDING)], {"name": "by_registration"})],
    "erasures": [outbox.INDEX],
    "initiatives": [outbox.INDEX],
    "checkins": [outbox.INDEX, ([("meeting_id", ASCENDING), ("checked_in_at", ASCENDING)], {"name": "by_meeting"})],
    "colours": [([("meeting_id", ASCENDING)], {"name": "by_meeting"})],
    "interests": [outbox.INDEX, ([("meeting_id", ASCENDING)], {"name": "by_meeting"}),
                  ([("person_id", ASCENDING)], {"name": "by_person"})],
    "accounts": [([("email", ASCENDING)], {"unique": True, "name": "uniq_email"})],
    "idempotency": [],
    "throttle": [([("expires_at", ASCENDING)], {"name": "by_expiry"})],
}


def _without_outbox(doc: dict | None) -> dict | None:
    """FerretDB's findAndModify takes no projection: drop the pending events here instead."""
    if doc is not None:
        doc.pop("outbox", None)
        doc.pop("has_outbox", None)
    return doc


RETIRED_INDEXES = {"registrations": ["uniq_seat"]}  # seats moved to their own collection


def ensure_indexes(db: Database):
    for collection, names in RETIRED_INDEXES.items():
        existing = {ix["name"] for ix in db[collection].list_indexes()}
        for name in names:
            if name in existing:
                db[collection].drop_index(name)
    mongo.ensure_indexes(db, INDEXES)


def settled_update(collection, doc_id: str, fields: dict, timeout_s: float = 5.0) -> bool:
    """``$set`` fields on a document that got events only when it was inserted, so that the write sticks.

    FerretDB v1 loses one of two concurrent updates of a document; the only other writer of such a
    document is the outbox relay, and only while events wait in its ``outbox``. So: wait for the relay to
    have cleared them, write, read back, and write again if the write was lost. Returns False if the
    document is gone."""
    deadline = time.monotonic() + timeout_s
    while True:
        doc = collection.find_one({"_id": doc_id}, {"outbox": 1})
        if doc is None:
            return False
        settled = not doc.get("outbox")
        if settled or time.monotonic() > deadline:
            collection.update_one({"_id": doc_id}, {"$set": fields})
            after = collection.find_one({"_id": doc_id}, {name: 1 for name in fields} | {"outbox": 1})
            if after is None:
                return False
            applied = all(after.get(name) == value or isinstance(value, dt.datetime)
                          for name, value in fields.items())
            if applied and (not after.get("outbox") or time.monotonic() > deadline):
                return True
        time.sleep(0.02)


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _aware(value):
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value


class Store:
    """The registration service's view of its own database."""

    MEETING_CACHE_S = 2.0

    def __init__(self, db: Database):
        self.db = db
        self._meeting_cache: dict[str, tuple[float, dict]] = {}

    def recent_meeting(self, meeting_id: str) -> dict | None:
        """The meeting as read at most MEETING_CACHE_S ago: sign-ups read it on every request, and a
        lifecycle step showing up two seconds late at the sign-up form harms no one."""
        hit = self._meeting_cache.get(meeting_id)
        if hit and time.monotonic() - hit[0] < self.MEETING_CACHE_S:
            return dict(hit[1])
        doc = self.meeting(meeting_id)
        if doc is not None:
            if len(self._meeting_cache) > 1000:
                self._meeting_cache.clear()
            self._meeting_cache[meeting_id] = (time.monotonic(), doc)
        return dict(doc) if doc else None

    # --- meetings -------------------------------------------------------------------------------------
    def insert_meeting(self, doc: dict, events: list[dict]):
        outbox.insert(self.db.meetings, doc, events)

    def meeting(self, meeting_id: str) -> dict | None:
        doc = self.db.meetings.find_one({"_id": meeting_id})
        return self._with_changes(_without_outbox(doc)) if doc else None

    def meetings(self, upcoming_after: dt.datetime | None = None, limit: int = 200) -> list[dict]:
        """Evenings, soonest first. One read of each collection (a scan either way on FerretDB), not a
        lookup per evening."""
        docs = list(self.db.meetings.find({}, NO_OUTBOX).limit(5000))
        changes: dict[str, list[dict]] = {}
        for change in self.db.meeting_changes.find({}, NO_OUTBOX):
            changes.setdefault(change.get("meeting_id"), []).append(change)
        for doc in docs:
            self._apply_changes(doc, changes.get(doc["_id"], []))
        if upcoming_after:
            docs = [d for d in docs if _aware(d["starts_at"]) >= upcoming_after]
        return sorted(docs, key=lambda d: _aware(d["starts_at"]))[:limit]

    @staticmethod
    def _apply_changes(doc: dict, changes: list[dict]) -> dict:
        doc.setdefault("status", model.SCHEDULED)
        edits = sorted((c for c in changes if ":edit:" in c["_id"]), key=lambda c: int(c["_id"].rsplit(":", 1)[1]))
        for edit in edits:
            doc.update(edit.get("fields") or {})
        for step in changes:
            if ":edit:" in step["_id"]:
                continue
            doc.update(step.get("fields") or {})
            status = step.get("status")
            if status in LIFECYCLE_RANK and LIFECYCLE_RANK[status] > LIFECYCLE_RANK[doc["status"]]:
                doc["status"] = status
                doc[f"{status}_at"] = step["at"]
        return doc

    # FerretDB v1 answers only ``_id`` equality from an index (any other filter reads the whole collection),
    # so a meeting's changes have ids we can name: ``<meeting>:<status>`` and ``<meeting>:edit:<n>``.
    def _with_changes(self, doc: dict) -> dict:
        """A meeting as it is now: its document, then its edits in order, then its lifecycle steps."""
        doc.setdefault("status", model.SCHEDULED)
        for n in range(1, 10000):
            edit = self.db.meeting_changes.find_one({"_id": f"{doc['_id']}:edit:{n}"}, NO_OUTBOX)
            if edit is None:
                break
            doc.update(edit.get("fields") or {})
        for status in model.LIFECYCLE[1:] + ("retention",):
            step = self.db.meeting_changes.find_one({"_id": f"{doc['_id']}:{status}"}, NO_OUTBOX)
            if step is None:
                continue
            doc.update(step.get("fields") or {})
            if status in LIFECYCLE_RANK and LIFECYCLE_RANK[status] > LIFECYCLE_RANK[doc["status"]]:
                doc["status"] = status
                doc[f"{status}_at"] = step["at"]
        return doc

    def insert_meeting_edit(self, meeting_id: str, change: dict, events: list[dict]):
        """An edit with its ``meeting.changed``, under the next free ``<meeting>:edit:<n>``."""
        for n in range(1, 10000):
            try:
                outbox.insert(self.db.meeting_changes,
                    {**change, "_id": f"{meeting_id}:edit:{n}", "meeting_id": meeting_id}, events)
                return
            except DuplicateKeyError:
                continue

    def insert_meeting_change(self, change: dict, events: list[dict]):
        """A lifecycle step (``_id`` meeting:status, so each happens once) or an edit, with its events."""
        outbox.insert(self.db.meeting_changes, change, events)

    def mark_retention_applied(self, meeting_id: str, at: dt.datetime):
        self.db.meeting_changes.update_one({"_id": f"{meeting_id}:retention"},
                                           {"$setOnInsert": {"meeting_id": meeting_id, "at": at,
                                                             "fields": {"retention_applied": at}}}, upsert=True)

    # --- people ---------------------------------------------------------------------------------------
    def erase_person(self, person_id: str, events: list[dict]) -> bool:
        """Record the erasure (once, with ``person.erased``) and forget the person's email or phone."""
        try:
            outbox.insert(self.db.erasures, {"_id": person_id, "erased_at": now()}, events)
            created = True
        except DuplicateKeyError:
            created = False
        return created

    def is_erased(self, person_id: str) -> bool:
        return self.db.erasures.find_one({"_id": person_id}, {"_id": 1}) is not None

    # --- registrations --------------------------------------------------------------------------------
    def insert_registration(self, doc: dict, events: list[dict]):
        outbox.insert(self.db.registrations, doc, events)

    def registration(self, registration_id: str) -> dict | None:
        """A registration with its status as its change records say (cancelled beats promoted)."""
        doc = _without_outbox(self.db.registrations.find_one({"_id": registration_id}))
        if doc is None:
            return None
        if self.db.registration_changes.find_one({"_id": f"{registration_id}:cancelled"}, {"_id": 1}):
            doc["status"] = model.CANCELLED
        elif self.db.registration_changes.find_one({"_id": f"{registration_id}:promoted"}, {"_id": 1}):
            doc["status"] = model.CONFIRMED
        return doc

    def registration_by_identity(self, meeting_id: str, email_key: str, phone_key: str) -> dict | None:
        return self.db.registrations.find_one(
            {"meeting_id": meeting_id, "$or": [{"email_key": email_key}, {"phone_key": phone_key}]},
            NO_OUTBOX)

    def registration_by_code(self, meeting_id: str, code: str) -> dict | None:
        return self.db.registrations.find_one({"meeting_id": meeting_id, "code": code}, NO_OUTBOX)

    def registration_of(self, meeting_id: str, person_id: str) -> dict | None:
        return self.db.registrations.find_one({"meeting_id": meeting_id, "person_id": person_id}, NO_OUTBOX)

    def registrations_of_person(self, person_id: str) -> list[dict]:
        return list(self.db.registrations.find({"person_id": person_id}, NO_OUTBOX))

    def registrations(self, meeting_id: str, statuses: tuple[str, ...] | None = None) -> list[dict]:
        query = {"meeting_id": meeting_id}
        if statuses:
            query["status"] = {"$in": list(statuses)}
        return list(self.db.registrations.find(query, NO_OUTBOX).sort("created_at", ASCENDING))

    def search_registrations(self, meeting_id: str, query: str, limit: int = 20) -> list[dict]:
        first = query.split()[0] if query.split() else ""
        regex = {"$regex": "(^|\\s)" + re.escape(first), "$options": "i"}
        docs = self.db.registrations.find({"meeting_id": meeting_id, "name": regex,
                                           "status": {"$in": [model.CONFIRMED, model.WAITLISTED]}},
                                          NO_OUTBOX).limit(200)
        return [d for d in docs if model.name_matches(query, d["name"])][:limit]

    # Seats: a seat is a document ``meeting:n`` naming its registration; claiming is an insert, freeing a delete.
    def taken_seats(self, meeting_id: str) -> set[int]:
        return {d["seat"] for d in self.db.seats.find({"meeting_id": meeting_id}, {"seat": 1})}

    def claim_seat(self, meeting_id: str, seat: int, registration_id: str) -> bool:
        try:
            self.db.seats.insert_one({"_id": f"{meeting_id}:{seat}", "meeting_id": meeting_id, "seat": seat,
                                      "registration_id": registration_id, "claimed_at": now()})
            return True
        except DuplicateKeyError:
            return False

    def seats_of(self, registration_id: str) -> list[dict]:
        return list(self.db.seats.find({"registration_id": registration_id}))

    def free_seats_of(self, registration_id: str, keep: int | None = None):
        query = {"registration_id": registration_id}
        if keep is not None:
            query["seat"] = {"$ne": keep}
        self.db.seats.delete_many(query)

    def seat_counts(self) -> dict[str, int]:
        """Seats taken per evening, in one read (the landing page shows places left for every evening)."""
        counts: dict[str, int] = {}
        for seat in self.db.seats.find({}, {"meeting_id": 1}):
            counts[seat["meeting_id"]] = counts.get(seat["meeting_id"], 0) + 1
        return counts

    def seats(self, meeting_id: str) -> list[dict]:
        return list(self.db.seats.find({"meeting_id": meeting_id}))

    def count(self, meeting_id: str, status: str) -> int:
        return self.db.registrations.count_documents({"meeting_id": meeting_id, "status": status})

    def oldest_waitlisted(self, meeting_id: str, skip: set[str] = frozenset()) -> dict | None:
        for doc in self.db.registrations.find({"meeting_id": meeting_id, "status": model.WAITLISTED},
                                              NO_OUTBOX).sort("created_at", ASCENDING).limit(50):
            if doc["_id"] not in skip:
                return doc
        return None

    def insert_registration_change(self, change: dict, events: list[dict]) -> bool:
        """A cancellation or promotion, ``_id`` registration:kind so each happens once; False if it had."""
        try:
            outbox.insert(self.db.registration_changes, change, events)
            return True
        except DuplicateKeyError:
            return False

    def registration_changes(self, registration_id: str) -> list[dict]:
        return list(self.db.registration_changes.find({"registration_id": registration_id}, NO_OUTBOX))

    def all_registration_changes(self, meeting_id: str) -> list[dict]:
        return list(self.db.registration_changes.find({"meeting_id": meeting_id}, NO_OUTBOX))

    def cache_status(self, registration_id: str, status: str):
        """The listing cache of a registration's status; the change records are the truth."""
        settled_update(self.db.registrations, registration_id, {"status": status})

    def anonymise_registration(self, registration_id: str, changes: dict) -> bool:
        return settled_update(self.db.registrations, registration_id, changes)

    # --- check-ins and colours ------------------------------------------------------------------------
    def insert_checkin(self, doc: dict, events: list[dict]):
        outbox.insert(self.db.checkins, doc, events)

    def checkin(self, meeting_id: str, person_id: str) -> dict | None:
        return self.db.checkins.find_one({"_id": f"{meeting_id}:{person_id}"}, NO_OUTBOX)

    def checkins(self, meeting_id: str, limit: int = 500) -> list[dict]:
        return list(self.db.checkins.find({"meeting_id": meeting_id}, NO_OUTBOX)
                    .sort("checked_in_at", -1).limit(limit))

    def anonymise_checkins(self, person_id: str, name: str):
        for doc in self.db.checkins.find({"person_id": person_id}, {"_id": 1}):
            settled_update(self.db.checkins, doc["_id"], {"name": name, "code": None})

    def recent_attendance(self, meeting_id: str) -> int:
        """Expected attendance (the larger of confirmed and arrived) as counted at most 5 s ago: counting is a
        full scan on FerretDB, and the volunteer at the door must not wait for it on every arrival."""
        key = f"attendance:{meeting_id}"
        hit = self._meeting_cache.get(key)
        if hit and time.monotonic() - hit[0] < 5.0:
            return hit[1]
        value = max(self.count(meeting_id, model.CONFIRMED), self.count_checkins(meeting_id))
        self._meeting_cache[key] = (time.monotonic(), value)
        return value

    def count_checkins(self, meeting_id: str) -> int:
        return self.db.checkins.count_documents({"meeting_id": meeting_id})

    def save_colour(self, meeting_id: str, person_id: str, colour: str, table: int, event_id: str):
        """The read model of matching's colours: an upsert keyed by meeting and person, so redelivery is harmless."""
        self.db.colours.update_one(
            {"_id": f"{meeting_id}:{person_id}"},
            {"$set": {"meeting_id": meeting_id, "person_id": person_id, "colour": colour, "table": table,
                      "event_id": event_id, "assigned_at": now()}}, upsert=True)

    def colour(self, meeting_id: str, person_id: str) -> dict | None:
        return self.db.colours.find_one({"_id": f"{meeting_id}:{person_id}"})

    def colours(self, meeting_id: str) -> dict[str, dict]:
        return {d["person_id"]: d for d in self.db.colours.find({"meeting_id": meeting_id})}

    def save_schedule(self, meeting_id: str, rounds: list, event_id: str):
        self.db.meetings.update_one({"_id": meeting_id},
                                    {"$set": {"schedule": rounds, "schedule_event_id": event_id}})

    # --- interests ------------------------------------------------------------------------------------
    def record_interests(self, meeting_id: str, person_id: str, initiative_ids: list[str], events: list[dict]):
        """Each recording is its own document (the latest counts), so no update races the relay."""
        outbox.insert(self.db.interests,
            {"_id": events[0]["event_id"], "meeting_id": meeting_id, "person_id": person_id,
             "initiative_ids": initiative_ids, "recorded_at": now()}, events)

    def interests_of_person(self, person_id: str) -> list[dict]:
        """The latest recording per evening."""
        latest: dict[str, dict] = {}
        for doc in self.db.interests.find({"person_id": person_id}, NO_OUTBOX).sort("recorded_at", ASCENDING):
            latest[doc["meeting_id"]] = doc
        return list(latest.values())

    def anonymise_interests(self, person_id: str):
        self.db.interests.delete_many({"person_id": person_id})

    # --- initiatives ----------------------------------------------------------------------------------
    def insert_initiative(self, doc: dict, events: list[dict]):
        outbox.insert(self.db.initiatives, doc, events)

    def initiative(self, initiative_id: str) -> dict | None:
        return self.db.initiatives.find_one({"_id": initiative_id}, NO_OUTBOX)

    def initiatives(self, limit: int = 500) -> list[dict]:
        return list(self.db.initiatives.find({}, NO_OUTBOX).sort("name", ASCENDING).limit(limit))

    # --- organiser accounts and throttling ------------------------------------------------------------
    def insert_account(self, email: str, password_hash: str):
        self.db.accounts.insert_one({"_id": email, "email": email, "password_hash": password_hash,
                                     "created_at": now()})

    def set_password(self, email: str, password_hash: str) -> bool:
        return self.db.accounts.update_one({"_id": email}, {"$set": {"password_hash": password_hash}}
                                           ).matched_count == 1

    def account(self, email: str) -> dict | None:
        return self.db.accounts.find_one({"_id": email})

    def hit(self, bucket: str, window_s: int) -> int:
        """Count one more attempt in ``bucket`` for the current window; returns the count so far."""
        window = int(now().timestamp()) // window_s
        key = hashlib.sha256(f"{bucket}:{window}".encode()).hexdigest()
        doc = self.db.throttle.find_one_and_update(
            {"_id": key}, {"$inc": {"n": 1},
                           "$setOnInsert": {"expires_at": now() + dt.timedelta(seconds=2 * window_s)}},
            upsert=True, return_document=ReturnDocument.AFTER)
        return doc["n"]

    def hits(self, bucket: str, window_s: int) -> int:
        window = int(now().timestamp()) // window_s
        doc = self.db.throttle.find_one({"_id": hashlib.sha256(f"{bucket}:{window}".encode()).hexdigest()})
        return doc["n"] if doc else 0

    def purge_throttle(self):
        self.db.throttle.delete_many({"expires_at": {"$lt": now()}})

    # --- Idempotency-Key ------------------------------------------------------------------------------
    def idempotent_response(self, key: str) -> dict | None:
        return self.db.idempotency.find_one({"_id": key})

    def save_idempotent_response(self, key: str, status: int, body: dict, fingerprint: str):
        try:
            self.db.idempotency.insert_one({"_id": key, "status": status, "body": body,
                                            "fingerprint": fingerprint, "created_at": now()})
        except DuplicateKeyError:
            pass  # a concurrent request with the same key stored the same outcome first
