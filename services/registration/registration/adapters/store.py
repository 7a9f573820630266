"""The registration database: the only module that talks to MongoDB/FerretDB.

Every state change that others must hear about is one single-document write carrying its events
(``wijkkracht.outbox``); uniqueness (one registration per person per evening, one person per seat, one
check-in per person) is held by unique indexes, never by check-then-write.
"""
import datetime as dt
import hashlib
import re

from pymongo import ASCENDING, ReturnDocument
from pymongo.database import Database
from wijkkracht import mongo, outbox

from ..domain import model

DuplicateKeyError = mongo.DuplicateKeyError

NO_OUTBOX = {"outbox": 0, "has_outbox": 0}
OUTBOX_COLLECTIONS = ["meetings", "registrations", "people", "initiatives", "checkins", "interests"]

INDEXES = {
    "meetings": [outbox.INDEX, ([("starts_at", ASCENDING)], {"name": "by_start"})],
    "registrations": [
        outbox.INDEX,
        ([("meeting_id", ASCENDING), ("email_key", ASCENDING)], {"unique": True, "name": "uniq_email"}),
        ([("meeting_id", ASCENDING), ("phone_key", ASCENDING)], {"unique": True, "name": "uniq_phone"}),
        ([("meeting_id", ASCENDING), ("seat", ASCENDING)], {"unique": True, "name": "uniq_seat"}),
        ([("meeting_id", ASCENDING), ("code", ASCENDING)], {"unique": True, "name": "uniq_code"}),
        ([("person_id", ASCENDING)], {"name": "by_person"}),
        ([("meeting_id", ASCENDING), ("status", ASCENDING)], {"name": "by_status"}),
    ],
    "people": [outbox.INDEX, ([("key", ASCENDING)], {"unique": True, "name": "uniq_key"})],
    "initiatives": [outbox.INDEX],
    "checkins": [outbox.INDEX, ([("meeting_id", ASCENDING), ("checked_in_at", ASCENDING)], {"name": "by_meeting"})],
    "colours": [([("meeting_id", ASCENDING)], {"name": "by_meeting"})],
    "interests": [outbox.INDEX, ([("meeting_id", ASCENDING)], {"name": "by_meeting"})],
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


def ensure_indexes(db: Database):
    mongo.ensure_indexes(db, INDEXES)


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _aware(value):
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value


class Store:
    """The registration service's view of its own database."""

    def __init__(self, db: Database):
        self.db = db

    # --- meetings -------------------------------------------------------------------------------------
    def insert_meeting(self, doc: dict, events: list[dict]):
        self.db.meetings.insert_one(outbox.new_document(doc, events))

    def meeting(self, meeting_id: str) -> dict | None:
        return self.db.meetings.find_one({"_id": meeting_id}, NO_OUTBOX)

    def meetings(self, upcoming_after: dt.datetime | None = None, limit: int = 200) -> list[dict]:
        query = {"starts_at": {"$gte": upcoming_after}} if upcoming_after else {}
        return list(self.db.meetings.find(query, NO_OUTBOX).sort("starts_at", ASCENDING).limit(limit))

    def update_meeting(self, meeting_id: str, expect_status: tuple[str, ...], changes: dict,
                       events: list[dict]) -> dict | None:
        """Apply ``changes`` only while the meeting is in one of ``expect_status``; None if it was not."""
        return _without_outbox(self.db.meetings.find_one_and_update(
            {"_id": meeting_id, "status": {"$in": list(expect_status)}},
            outbox.with_events({"$set": changes}, events),
            return_document=ReturnDocument.AFTER))

    # --- people ---------------------------------------------------------------------------------------
    def person_id_for(self, key: str, new_id: str) -> str:
        """The person known under ``key`` (their email or phone), created if new. Safe under races."""
        for _ in range(3):
            try:
                doc = self.db.people.find_one_and_update(
                    {"key": key}, {"$setOnInsert": {"_id": new_id, "created_at": now()}},
                    upsert=True, return_document=ReturnDocument.AFTER)
                return doc["_id"]
            except DuplicateKeyError:
                continue  # another request created them a moment ago: read theirs
        return self.db.people.find_one({"key": key})["_id"]

    def insert_person(self, person_id: str):
        self.db.people.insert_one({"_id": person_id, "key": f"none:{person_id}", "created_at": now()})

    def erase_person(self, person_id: str, events: list[dict]) -> bool:
        result = self.db.people.update_one(
            {"_id": person_id},
            outbox.with_events({"$set": {"key": f"erased:{person_id}", "erased_at": now()}}, events))
        return result.matched_count == 1

    def person(self, person_id: str) -> dict | None:
        return self.db.people.find_one({"_id": person_id}, NO_OUTBOX)

    # --- registrations --------------------------------------------------------------------------------
    def insert_registration(self, doc: dict, events: list[dict]):
        self.db.registrations.insert_one(outbox.new_document(doc, events))

    def registration(self, registration_id: str) -> dict | None:
        return self.db.registrations.find_one({"_id": registration_id}, NO_OUTBOX)

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

    def taken_seats(self, meeting_id: str) -> set[int]:
        docs = self.db.registrations.find({"meeting_id": meeting_id, "status": model.CONFIRMED,
                                           "seat": {"$type": "int"}}, {"seat": 1})
        return {d["seat"] for d in docs}

    def count(self, meeting_id: str, status: str) -> int:
        return self.db.registrations.count_documents({"meeting_id": meeting_id, "status": status})

    def oldest_waitlisted(self, meeting_id: str) -> dict | None:
        docs = list(self.db.registrations.find({"meeting_id": meeting_id, "status": model.WAITLISTED},
                                               NO_OUTBOX).sort("created_at", ASCENDING).limit(1))
        return docs[0] if docs else None

    def update_registration(self, registration_id: str, expect: dict, changes: dict,
                            events: list[dict]) -> dict | None:
        return _without_outbox(self.db.registrations.find_one_and_update(
            {"_id": registration_id, **expect}, outbox.with_events({"$set": changes}, events),
            return_document=ReturnDocument.AFTER))

    def anonymise_registrations(self, query: dict, changes: dict) -> int:
        return self.db.registrations.update_many(query, {"$set": changes}).modified_count

    def mark_retention_applied(self, meeting_id: str, at: dt.datetime):
        self.db.meetings.update_one({"_id": meeting_id}, {"$set": {"retention_applied": at}})

    # --- check-ins and colours ------------------------------------------------------------------------
    def insert_checkin(self, doc: dict, events: list[dict]):
        self.db.checkins.insert_one(outbox.new_document(doc, events))

    def checkin(self, meeting_id: str, person_id: str) -> dict | None:
        return self.db.checkins.find_one({"_id": f"{meeting_id}:{person_id}"}, NO_OUTBOX)

    def checkins(self, meeting_id: str, limit: int = 500) -> list[dict]:
        return list(self.db.checkins.find({"meeting_id": meeting_id}, NO_OUTBOX)
                    .sort("checked_in_at", -1).limit(limit))

    def anonymise_checkins(self, person_id: str, name: str):
        self.db.checkins.update_many({"person_id": person_id}, {"$set": {"name": name}})

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
        self.db.interests.update_one(
            {"_id": f"{meeting_id}:{person_id}"},
            outbox.with_events({"$set": {"meeting_id": meeting_id, "person_id": person_id,
                                         "initiative_ids": initiative_ids, "recorded_at": now()}}, events),
            upsert=True)

    def interests_of_person(self, person_id: str) -> list[dict]:
        return list(self.db.interests.find({"person_id": person_id}, NO_OUTBOX))

    # --- initiatives ----------------------------------------------------------------------------------
    def insert_initiative(self, doc: dict, events: list[dict]):
        self.db.initiatives.insert_one(outbox.new_document(doc, events))

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
