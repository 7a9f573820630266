"""The registration database: the only module that talks to MongoDB.

Every state change that others must hear about is one single-document write carrying its events
(``wijkkracht.outbox``): an insert of the new document, or an atomic update whose filter holds the rule it
depends on (``{"_id": r, "status": "confirmed"}``), so a change happens once even when requests race.

An evening counts its confirmed residents (and its arrivals) in its own document, for the console and the
door; with a capacity, ``confirmed`` goes up only through ``{"confirmed": {"$lt": capacity}}`` in the
update's filter, so concurrent sign-ups never overbook. The place is taken just before the registration is
written (two documents, so two writes); ``claims`` names the registration each recent place was taken for,
so the worker can give back a place whose registration never got written (``handlers.repair_places``), and
``released`` names each cancellation that gave its place back, once.
"""
import datetime as dt
import hashlib

from pymongo import ASCENDING, DESCENDING, ReturnDocument, UpdateOne
from pymongo.database import Database
from wijkkracht import mongo, outbox

from ..domain import model

DuplicateKeyError = mongo.DuplicateKeyError

NO_OUTBOX = {"outbox": 0, "has_outbox": 0}
# What a reader of an evening needs; the bookkeeping of its places stays with the writers.
MEETING_FIELDS = {**NO_OUTBOX, "claims": 0, "released": 0}
PLACES_FIELDS = {"capacity": 1, "confirmed": 1, "claims": 1, "released": 1, "status": 1}
OUTBOX_COLLECTIONS = ["meetings", "registrations", "erasures", "initiatives", "checkins", "interests",
                      "initiative_pairs", "followups", "ideas"]
# The evenings that take sign-ups, by the domain's rule.
SIGNUP_STATUSES = [status for status in model.LIFECYCLE if model.accepts_signups(status)]
# A place taken this long ago whose registration is still not confirmed was left by a crashed request.
CLAIM_GRACE = dt.timedelta(minutes=2)

INDEXES = {
    "meetings": [outbox.INDEX, ([("starts_at", ASCENDING)], {"name": "by_start"}),
                 ([("initiative_ids", ASCENDING)], {"name": "by_initiative"})],
    "registrations": [
        outbox.INDEX,
        # One registration per person per evening, whichever address they come back with.
        ([("meeting_id", ASCENDING), ("email_key", ASCENDING)], {"unique": True, "name": "uniq_email"}),
        ([("meeting_id", ASCENDING), ("phone_key", ASCENDING)], {"unique": True, "name": "uniq_phone"}),
        ([("meeting_id", ASCENDING), ("code", ASCENDING)], {"unique": True, "name": "uniq_code"}),
        ([("person_id", ASCENDING)], {"name": "by_person"}),
        # The door's search: one equality on a key naming the evening and a name's first letters or a keyed
        # hash of the phone's last digits (domain/door.py).
        ([("door_keys", ASCENDING)], {"name": "by_door_key"}),
        # An evening's list (and its count) by status, in order of sign-up.
        ([("meeting_id", ASCENDING), ("status", ASCENDING), ("created_at", ASCENDING)],
         {"name": "by_status_created"}),
    ],
    "erasures": [outbox.INDEX],
    # A person found again by a keyed hash of their address (``_id``); their random id is ``person_id``.
    "people": [([("person_id", ASCENDING)], {"name": "by_person"})],
    "initiatives": [outbox.INDEX, ([("name", ASCENDING)], {"name": "by_name"}),
                    ([("status", ASCENDING)], {"name": "by_status"}),
                    # Found again by a keyed hash of the contact's email or phone, to send its page's link there.
                    ([("contact_keys", ASCENDING)], {"name": "by_contact_keys"})],
    # The answers of the two initiatives of a pair matching introduced at an evening ("meeting:a:b").
    "initiative_pairs": [outbox.INDEX, ([("initiative_ids", ASCENDING)], {"name": "by_initiative"}),
                         ([("meeting_id", ASCENDING)], {"name": "by_meeting"})],
    # What became of each resident who accepted a role ("meeting:person:initiative:role").
    "followups": [outbox.INDEX, ([("initiative_id", ASCENDING)], {"name": "by_initiative"}),
                  ([("person_id", ASCENDING)], {"name": "by_person"})],
    # Residents' ideas (registration.ideas): an initiative's page reads those on its themes, newest first.
    "ideas": [outbox.INDEX, ([("themes", ASCENDING), ("created_at", DESCENDING)], {"name": "by_theme"}),
              ([("meeting_id", ASCENDING), ("person_id", ASCENDING)], {"name": "by_meeting_person"}),
              ([("person_id", ASCENDING)], {"name": "by_person"})],
    "checkins": [outbox.INDEX, ([("meeting_id", ASCENDING), ("checked_in_at", ASCENDING)], {"name": "by_meeting"}),
                 ([("person_id", ASCENDING)], {"name": "by_person"})],
    "colours": [([("meeting_id", ASCENDING)], {"name": "by_meeting"}), ([("person_id", ASCENDING)], {"name": "by_person"})],
    "interests": [outbox.INDEX, ([("meeting_id", ASCENDING)], {"name": "by_meeting"}),
                  ([("person_id", ASCENDING)], {"name": "by_person"})],
    # Per evening, a counter of what changed at the door (an arrival, a colour, an undo): door screens wait on it.
    "door_changes": [],
    "accounts": [([("email", ASCENDING)], {"unique": True, "name": "uniq_email"})],
    "idempotency": [],
    "throttle": [([("expires_at", ASCENDING)], {"name": "by_expiry"})],
}
# Indexes of an older layout: one would refuse valid documents, the others are covered by by_status_created.
RETIRED_INDEXES = {"registrations": ["uniq_seat", "by_status", "by_meeting"]}


def ensure_indexes(db: Database):
    for collection, names in RETIRED_INDEXES.items():
        existing = {ix["name"] for ix in db[collection].list_indexes()}
        for name in names:
            if name in existing:
                db[collection].drop_index(name)
    mongo.ensure_indexes(db, INDEXES)


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _without_outbox(doc: dict | None) -> dict | None:
    """find_one_and_update takes no projection on every store we run on (DESIGN §3): drop the pending events
    and the place bookkeeping here."""
    if doc is not None:
        for name in ("outbox", "has_outbox", "claims", "released"):
            doc.pop(name, None)
    return doc


def _update_with_events(collection, query: dict, update: dict, events: list[dict], **kwargs) -> dict | None:
    """``find_one_and_update`` on a condition (``outbox.update`` matches on ``_id`` alone), carrying events."""
    return collection.find_one_and_update(query, outbox.with_events(update, events), **kwargs)


class Store:
    """The registration service's view of its own database."""

    def __init__(self, db: Database):
        self.db = db

    # --- meetings -------------------------------------------------------------------------------------
    def insert_meeting(self, doc: dict, events: list[dict]):
        outbox.insert(self.db.meetings, doc, events)

    def meeting(self, meeting_id: str) -> dict | None:
        return self.db.meetings.find_one({"_id": meeting_id}, MEETING_FIELDS)

    def meetings(self, upcoming_after: dt.datetime | None = None, limit: int = 200) -> list[dict]:
        """Evenings, soonest first."""
        query = {"starts_at": {"$gte": upcoming_after}} if upcoming_after else {}
        return list(self.db.meetings.find(query, MEETING_FIELDS).sort("starts_at", ASCENDING).limit(limit))

    def meetings_before(self, at: dt.datetime, limit: int = 100) -> list[dict]:
        """Evenings that started before ``at``, latest first (the console's past ones)."""
        return list(self.db.meetings.find({"starts_at": {"$lt": at}}, MEETING_FIELDS).sort("starts_at", DESCENDING)
                    .limit(limit))

    def places_of_evenings(self, starting_after: dt.datetime) -> list[dict]:
        """The place bookkeeping of every evening still to come and not closed, in one read (the worker's round)."""
        return list(self.db.meetings.find({"starts_at": {"$gte": starting_after}, "status": {"$ne": model.CLOSED}},
                                          PLACES_FIELDS))

    def change_meeting(self, meeting_id: str, fields: dict, events: list[dict]) -> dict | None:
        """An edit with its ``meeting.changed``; None if the evening closed meanwhile."""
        return _without_outbox(_update_with_events(
            self.db.meetings, {"_id": meeting_id, "status": {"$ne": model.CLOSED}}, {"$set": fields}, events,
            return_document=ReturnDocument.AFTER))

    def advance_meeting(self, meeting_id: str, from_statuses: tuple[str, ...], status: str, at: dt.datetime,
                        events: list[dict]) -> dict | None:
        """One lifecycle step with its event, only from a status it may come from; None if it may not (any
        more: a concurrent request took the step first)."""
        return _without_outbox(_update_with_events(
            self.db.meetings, {"_id": meeting_id, "status": {"$in": list(from_statuses)}},
            {"$set": {"status": status, f"{status}_at": at}}, events, return_document=ReturnDocument.AFTER))

    def mark_retention_applied(self, meeting_id: str, at: dt.datetime):
        self.db.meetings.update_one({"_id": meeting_id}, {"$set": {"retention_applied": at}})

    def save_schedule(self, meeting_id: str, rounds: list, event_id: str):
        self.db.meetings.update_one({"_id": meeting_id},
                                    {"$set": {"schedule": rounds, "schedule_event_id": event_id}})

    # --- places and arrivals, counted by the evening itself ---------------------------------------------
    # What take_place answers: a place taken by this call and named in ``claims`` (give it back if the
    # registration does not get it), one a concurrent request for the same registration holds, or a place at
    # an evening without a capacity, only counted (uncount it if the registration does not get it).
    TAKEN, HELD, COUNTED = "taken", "held", "counted"

    def take_place(self, meeting: dict, registration_id: str, beyond_capacity: bool = False) -> str | None:
        """Take one of the evening's places for ``registration_id``; None when the evening is full.

        ``beyond_capacity``: a walk-in at the door is let in, and counted, even when the evening is full."""
        capacity = meeting.get("capacity")
        for _ in range(10):
            if capacity is None:
                counted = self.db.meetings.update_one(
                    {"_id": meeting["_id"], "capacity": None, "confirmed": {"$exists": True}},
                    {"$inc": {"confirmed": 1}})
                if counted.modified_count:
                    return self.COUNTED
            else:
                query = {"_id": meeting["_id"], "capacity": capacity,
                         f"claims.{registration_id}": {"$exists": False}}
                if not beyond_capacity:
                    query["confirmed"] = {"$lt": capacity}
                taken = self.db.meetings.update_one(query, {"$inc": {"confirmed": 1},
                                                            "$set": {f"claims.{registration_id}": now()}})
                if taken.modified_count:
                    return self.TAKEN
            # Why not: full, the capacity changed, a concurrent identical request holds it, or not counted yet.
            current = self.places(meeting["_id"])
            if current is None:
                return None
            if registration_id in (current.get("claims") or {}):
                return self.HELD
            if "confirmed" not in current:
                self.start_counting(meeting["_id"])
            elif current.get("capacity") == capacity:
                return None
            capacity = current.get("capacity")
        return None

    def count_place_at_open_evening(self, meeting_id: str) -> dict | None:
        """Read an evening that takes sign-ups and has no capacity, counting one more place, in one update
        (``COUNTED``); None for any other evening (read it and ``take_place``)."""
        return _without_outbox(self.db.meetings.find_one_and_update(
            {"_id": meeting_id, "status": {"$in": SIGNUP_STATUSES}, "capacity": None,
             "confirmed": {"$exists": True}}, {"$inc": {"confirmed": 1}}, return_document=ReturnDocument.AFTER))

    def give_back(self, meeting_id: str, registration_id: str, place: str | None):
        """Return what ``take_place`` answered ``place`` for a registration that did not get it."""
        if place == self.TAKEN:
            self.give_back_claim(meeting_id, registration_id)
        elif place == self.COUNTED:
            self.db.meetings.update_one({"_id": meeting_id}, {"$inc": {"confirmed": -1}})

    def start_counting(self, meeting_id: str):
        """An evening written before evenings counted their places starts from what it holds."""
        self.db.meetings.update_one({"_id": meeting_id, "confirmed": {"$exists": False}},
                                    {"$set": {"confirmed": self.count(meeting_id, model.CONFIRMED),
                                              "checked_in": self.db.checkins.count_documents(
                                                  {"meeting_id": meeting_id})}})

    def count_arrival(self, meeting_id: str):
        """One more arrival, counted by the evening (the console and door read it there)."""
        self.db.meetings.update_one({"_id": meeting_id}, {"$inc": {"checked_in": 1}})

    def give_back_claim(self, meeting_id: str, registration_id: str):
        """Return a place taken for a registration that did not get it (a repeat, a lost race)."""
        self.db.meetings.update_one({"_id": meeting_id, f"claims.{registration_id}": {"$exists": True}},
                                    {"$inc": {"confirmed": -1}, "$unset": {f"claims.{registration_id}": ""}})

    def give_back_place(self, meeting_id: str, registration_id: str):
        """Return the place of a cancelled registration, once however often it is asked."""
        self.db.meetings.update_one(
            {"_id": meeting_id, "confirmed": {"$exists": True}, f"released.{registration_id}": {"$exists": False}},
            {"$inc": {"confirmed": -1}, "$set": {f"released.{registration_id}": now()},
             "$unset": {f"claims.{registration_id}": ""}})

    def places(self, meeting_id: str) -> dict | None:
        """The evening's place bookkeeping: ``capacity``, ``confirmed``, ``claims``, ``released``."""
        return self.db.meetings.find_one({"_id": meeting_id}, PLACES_FIELDS)

    def settle_claims(self, meeting_id: str, registration_ids: list[str]):
        """Forget the claims of registrations that now hold their place themselves."""
        if registration_ids:
            self.db.meetings.update_one({"_id": meeting_id},
                                        {"$unset": {f"claims.{r}": "" for r in registration_ids}})

    # --- people ---------------------------------------------------------------------------------------
    def new_person(self, key: str, person_id: str) -> bool:
        """Keep ``person_id`` under ``key`` (a hashed address) if no one is kept there yet: True for someone
        new (one insert), False for whoever came before."""
        try:
            self.db.people.insert_one({"_id": key, "person_id": person_id, "created_at": now()})
            return True
        except DuplicateKeyError:
            return False

    def person_id_of(self, key: str) -> str | None:
        found = self.db.people.find_one({"_id": key}, {"person_id": 1})
        return found["person_id"] if found else None

    def claim_person(self, key: str, person_id: str) -> str:
        """The person id kept under ``key`` (a hashed address); ``person_id`` becomes it if there is none yet.
        One insert for someone new; whoever came before (or a concurrent first sign-up) keeps theirs."""
        try:
            self.db.people.insert_one({"_id": key, "person_id": person_id, "created_at": now()})
            return person_id
        except DuplicateKeyError:
            found = self.db.people.find_one({"_id": key}, {"person_id": 1})
            return found["person_id"] if found else self.claim_person(key, person_id)

    def forget_person(self, person_id: str):
        """No address leads to this person any more: whoever signs up with it next is someone new."""
        self.db.people.delete_many({"person_id": person_id})

    def erase_person(self, person_id: str, events: list[dict]) -> bool:
        """Record the erasure (once, with ``person.erased``)."""
        try:
            outbox.insert(self.db.erasures, {"_id": person_id, "erased_at": now()}, events)
            return True
        except DuplicateKeyError:
            return False

    def is_erased(self, person_id: str) -> bool:
        return self.db.erasures.find_one({"_id": person_id}, {"_id": 1}) is not None

    def erased_among(self, person_ids: set[str]) -> set[str]:
        return {d["_id"] for d in self.db.erasures.find({"_id": {"$in": sorted(person_ids)}}, {"_id": 1})}

    # --- registrations --------------------------------------------------------------------------------
    def insert_registration(self, doc: dict, events: list[dict]):
        outbox.insert(self.db.registrations, doc, events)

    def registration(self, registration_id: str) -> dict | None:
        return self.db.registrations.find_one({"_id": registration_id}, NO_OUTBOX)

    def registration_by_identity(self, meeting_id: str, email_key: str, phone_key: str) -> dict | None:
        """The registration this evening already holds for this email address, or else this phone number."""
        for field, key in (("email_key", email_key), ("phone_key", phone_key)):
            if key and not key.startswith("none:"):
                found = self.db.registrations.find_one({"meeting_id": meeting_id, field: key}, NO_OUTBOX)
                if found is not None:
                    return found
        return None

    def registration_by_code(self, meeting_id: str, code: str) -> dict | None:
        return self.db.registrations.find_one({"meeting_id": meeting_id, "code": code}, NO_OUTBOX)

    def registration_of(self, meeting_id: str, person_id: str) -> dict | None:
        return self.db.registrations.find_one({"person_id": person_id, "meeting_id": meeting_id}, NO_OUTBOX)

    def registrations_of_person(self, person_id: str) -> list[dict]:
        return list(self.db.registrations.find({"person_id": person_id}, NO_OUTBOX))

    def registrations(self, meeting_id: str, statuses: tuple[str, ...] | None = None) -> list[dict]:
        if statuses and len(statuses) == 1:
            query = {"meeting_id": meeting_id, "status": statuses[0]}
        else:
            query = {"meeting_id": meeting_id, **({"status": {"$in": list(statuses)}} if statuses else {})}
        return list(self.db.registrations.find(query, NO_OUTBOX).sort("created_at", ASCENDING))

    # --- the door's search (handlers.find_at_door) ---------------------------------------------------
    DOOR_FIELDS = {"_id": 1, "person_id": 1, "meeting_id": 1, "name": 1, "code": 1, "status": 1, "walk_in": 1,
                   "companion_of": 1}

    def registrations_by_door_key(self, key: str) -> list[dict]:
        """The registrations found by one door key (it names the evening): one indexed equality."""
        return list(self.db.registrations.find({"door_keys": key}, self.DOOR_FIELDS))

    def registrations_without_door_keys(self, batch: int = 500) -> list[dict]:
        """Registrations written before the door searched by keys (once, by the worker; a scan)."""
        return list(self.db.registrations.find({"door_keys": {"$exists": False}},
                                               {"_id": 1, "meeting_id": 1, "name": 1, "phone": 1,
                                                "erased_at": 1}).limit(batch))

    def set_door_keys(self, registration_id: str, keys: list[str]):
        self.db.registrations.update_one({"_id": registration_id}, {"$set": {"door_keys": keys}})

    def migration_done(self, name: str) -> bool:
        return self.db.migrations.find_one({"_id": name}) is not None

    def mark_migration_done(self, name: str):
        self.db.migrations.update_one({"_id": name}, {"$set": {"done_at": now()}}, upsert=True)

    def count(self, meeting_id: str, status: str) -> int:
        return self.db.registrations.count_documents({"meeting_id": meeting_id, "status": status})

    def oldest_waitlisted(self, meeting_id: str, skip: set[str] = frozenset()) -> dict | None:
        for doc in self.db.registrations.find({"meeting_id": meeting_id, "status": model.WAITLISTED},
                                              NO_OUTBOX).sort("created_at", ASCENDING).limit(len(skip) + 1):
            if doc["_id"] not in skip:
                return doc
        return None

    def cancelled_holding_places(self, meeting_id: str) -> list[dict]:
        """Cancelled registrations that held a place (the worker checks each gave it back)."""
        return [d for d in self.db.registrations.find({"meeting_id": meeting_id, "status": model.CANCELLED},
                                                      {"_id": 1, "releases_place": 1})
                if d.get("releases_place")]

    def cancel_registration(self, registration_id: str, from_status: str, at: dt.datetime, releases_place: bool,
                            events: list[dict]) -> dict | None:
        """Cancel with its event, if the registration is still ``from_status``; None if it is not any more."""
        return _without_outbox(_update_with_events(
            self.db.registrations, {"_id": registration_id, "status": from_status},
            {"$set": {"status": model.CANCELLED, "cancelled_at": at, "releases_place": releases_place}}, events))

    def promote(self, registration_id: str, at: dt.datetime, events: list[dict]) -> dict | None:
        """Confirm a waitlisted registration with its event; None if it is no longer waiting."""
        return _without_outbox(_update_with_events(
            self.db.registrations, {"_id": registration_id, "status": model.WAITLISTED},
            {"$set": {"status": model.CONFIRMED, "promoted_at": at}}, events,
            return_document=ReturnDocument.AFTER))

    def mark_resent(self, registration_id: str, at: dt.datetime, not_since: dt.datetime,
                    events: list[dict]) -> bool:
        """Note a confirmation sent again, with its event, unless one was sent again after ``not_since``."""
        return _update_with_events(
            self.db.registrations, {"_id": registration_id, "erased_at": None,
                                    "$or": [{"resent_at": None}, {"resent_at": {"$lt": not_since}}]},
            {"$set": {"resent_at": at}}, events) is not None

    def release_identity(self, registration_id: str):
        """A cancelled registration no longer holds its address at the evening (the person may sign up again)."""
        self.db.registrations.update_one({"_id": registration_id, "status": model.CANCELLED},
                                         {"$set": {"email_key": f"none:{registration_id}",
                                                   "phone_key": f"none:{registration_id}"}})

    def anonymise_registration(self, registration_id: str, changes: dict) -> bool:
        return self.db.registrations.update_one({"_id": registration_id}, {"$set": changes}).matched_count == 1

    # --- check-ins and colours ------------------------------------------------------------------------
    def insert_checkin(self, doc: dict, events: list[dict]):
        outbox.insert(self.db.checkins, doc, events)

    def checkin(self, meeting_id: str, person_id: str) -> dict | None:
        """The person's check-in at the evening; None if there is none, or it was undone."""
        found = self.db.checkins.find_one({"_id": f"{meeting_id}:{person_id}"}, NO_OUTBOX)
        return None if found is None or found.get("undone_at") else found

    def checkins(self, meeting_id: str, limit: int = 500) -> list[dict]:
        """Arrivals, newest first (check-ins undone are not)."""
        return [c for c in self.db.checkins.find({"meeting_id": meeting_id}, NO_OUTBOX)
                .sort("checked_in_at", DESCENDING).limit(limit) if not c.get("undone_at")]

    def undo_checkin(self, meeting_id: str, person_id: str, at: dt.datetime, events: list[dict]) -> dict | None:
        """Take back a check-in done by mistake, with its event, once; None if it is not (any more) checked in."""
        return _without_outbox(_update_with_events(
            self.db.checkins, {"_id": f"{meeting_id}:{person_id}", "undone_at": None},
            {"$set": {"undone_at": at}}, events))

    def redo_checkin(self, doc: dict, events: list[dict]) -> bool:
        """Check in again someone whose check-in was undone (the same document), with its event, once."""
        fields = {k: v for k, v in doc.items() if k != "_id"}
        return _update_with_events(self.db.checkins, {"_id": doc["_id"], "undone_at": {"$ne": None}},
                                   {"$set": {**fields, "undone_at": None}}, events) is not None

    def checkin_record(self, meeting_id: str, person_id: str) -> dict | None:
        """The check-in as kept, undone or not (what a person's export shows)."""
        return self.db.checkins.find_one({"_id": f"{meeting_id}:{person_id}"}, NO_OUTBOX)

    def uncount_arrival(self, meeting_id: str):
        self.db.meetings.update_one({"_id": meeting_id}, {"$inc": {"checked_in": -1}})

    def forget_colour(self, meeting_id: str, person_id: str):
        self.db.colours.delete_one({"_id": f"{meeting_id}:{person_id}"})

    def checkins_undone_among(self, keys: set[tuple[str, str]]) -> set[tuple[str, str]]:
        """Of ``(meeting_id, person_id)`` pairs, those whose check-in was taken back."""
        found = self.db.checkins.find({"_id": {"$in": sorted(f"{m}:{p}" for m, p in keys)}},
                                      {"undone_at": 1, "meeting_id": 1, "person_id": 1})
        return {(d["meeting_id"], d["person_id"]) for d in found if d.get("undone_at")}

    def door_changed(self, meeting_id: str, change: dict, count: int = 1):
        """Something door screens show changed at this evening (``change``: what, by ids only, never a name):
        they are waiting on this counter. ``count`` changes at once, of which ``change`` is the last: a screen
        that sees the counter jump reads the whole list."""
        self.db.door_changes.update_one({"_id": meeting_id}, {"$inc": {"version": count}, "$set": {"last": change}},
                                        upsert=True)

    def door_state(self, meeting_id: str) -> tuple[int, dict | None]:
        """The evening's door counter and the change that made it."""
        found = self.db.door_changes.find_one({"_id": meeting_id})
        return (found["version"], found.get("last")) if found else (0, None)

    def door_version(self, meeting_id: str) -> int:
        return self.door_state(meeting_id)[0]

    def anonymise_checkins(self, person_id: str, name: str):
        self.db.checkins.update_many({"person_id": person_id}, {"$set": {"name": name, "code": None}})

    def count_checkins(self, meeting_id: str) -> int:
        return self.db.checkins.count_documents({"meeting_id": meeting_id})

    def save_colours(self, colours: list[tuple[dict, str]]):
        """The read model of matching's colours, from ``(colour.assigned's payload, its event id)`` in order (a
        later colour for someone wins): upserts keyed by meeting and person, so redelivery is harmless."""
        at = now()
        self.db.colours.bulk_write([UpdateOne(
            {"_id": f"{p['meeting_id']}:{p['person_id']}"},
            {"$set": {"meeting_id": p["meeting_id"], "person_id": p["person_id"], "colour": p["colour"],
                      "table": p["table"], "event_id": event_id, "assigned_at": at}}, upsert=True)
            for p, event_id in colours], ordered=True)

    def colour(self, meeting_id: str, person_id: str) -> dict | None:
        return self.db.colours.find_one({"_id": f"{meeting_id}:{person_id}"})

    def forget_colours(self, person_id: str):
        self.db.colours.delete_many({"person_id": person_id})

    def colours(self, meeting_id: str) -> dict[str, dict]:
        return {d["person_id"]: d for d in self.db.colours.find({"meeting_id": meeting_id})}

    # --- interests ------------------------------------------------------------------------------------
    def record_interests(self, meeting_id: str, person_id: str, initiative_ids: list[str], events: list[dict]):
        """A resident's choice at an evening, replaced by their next one, with its event."""
        fields = {"meeting_id": meeting_id, "person_id": person_id, "initiative_ids": initiative_ids,
                  "recorded_at": now()}
        try:
            outbox.update(self.db.interests, f"{meeting_id}:{person_id}", {"$set": fields}, events,
                          upsert=True, return_document=ReturnDocument.AFTER)
        except DuplicateKeyError:  # two first choices at once: the upsert that lost now finds the document
            outbox.update(self.db.interests, f"{meeting_id}:{person_id}", {"$set": fields}, events,
                          upsert=True, return_document=ReturnDocument.AFTER)

    def interests_of_person(self, person_id: str) -> list[dict]:
        return list(self.db.interests.find({"person_id": person_id}, NO_OUTBOX))

    def anonymise_interests(self, person_id: str):
        self.db.interests.delete_many({"person_id": person_id})

    # --- initiatives ----------------------------------------------------------------------------------
    def insert_initiative(self, doc: dict, events: list[dict]):
        outbox.insert(self.db.initiatives, doc, events)

    def initiative(self, initiative_id: str) -> dict | None:
        return self.db.initiatives.find_one({"_id": initiative_id}, NO_OUTBOX)

    def approve_initiative(self, initiative_id: str, at: dt.datetime, events: list[dict]) -> bool:
        """Approve with its event, once: only a pending initiative becomes approved."""
        return _update_with_events(self.db.initiatives, {"_id": initiative_id, "status": "pending"},
                                   {"$set": {"status": "approved", "approved_at": at}}, events) is not None

    def initiatives(self, limit: int = 500, approved_only: bool = False) -> list[dict]:
        """By name; ``approved_only``: without those still pending (written before approval count as approved)."""
        query = {"status": {"$ne": "pending"}} if approved_only else {}
        return list(self.db.initiatives.find(query, NO_OUTBOX).sort("name", ASCENDING).limit(limit))

    def change_initiative(self, initiative_id: str, fields: dict, events: list[dict]) -> dict | None:
        return _update_with_events(self.db.initiatives, {"_id": initiative_id}, {"$set": fields}, events)

    def approved_initiative_names(self, initiative_ids: list[str]) -> dict[str, str]:
        """The names of those of these initiatives that are approved (written before approval count as such)."""
        found = self.db.initiatives.find({"_id": {"$in": list(initiative_ids)}}, {"name": 1, "status": 1})
        return {d["_id"]: d["name"] for d in found if d.get("status") != "pending"}

    def initiatives_by_contact_key(self, key: str) -> list[dict]:
        return list(self.db.initiatives.find({"contact_keys": key}, NO_OUTBOX).limit(20))

    def evenings_presenting(self, initiative_id: str) -> list[dict]:
        """The evenings an initiative presents at, soonest first."""
        return list(self.db.meetings.find({"initiative_ids": initiative_id}, MEETING_FIELDS)
                    .sort("starts_at", ASCENDING).limit(200))

    def mark_link_sent(self, initiative_id: str, at: dt.datetime, not_since: dt.datetime, events: list[dict]) -> bool:
        """The link to its page goes again with its event, unless it went after ``not_since``."""
        query = {"_id": initiative_id, "$or": [{"link_sent_at": {"$exists": False}},
                                               {"link_sent_at": {"$lt": not_since}}]}
        return _update_with_events(self.db.initiatives, query, {"$set": {"link_sent_at": at}}, events) is not None

    def answer_pair(self, pair_id: str, meeting_id: str, initiative_ids: list[str], initiative_id: str,
                    answer: str, events: list[dict]) -> dict:
        return _update_with_events(
            self.db.initiative_pairs, {"_id": pair_id},
            {"$set": {f"answers.{initiative_id}": answer, "meeting_id": meeting_id, "initiative_ids": initiative_ids}},
            events, upsert=True, return_document=ReturnDocument.AFTER)

    def accept_pair(self, pair_id: str, at: dt.datetime, events: list[dict]) -> dict | None:
        """Accepted with its event, once."""
        return _update_with_events(self.db.initiative_pairs, {"_id": pair_id, "accepted_at": {"$exists": False}},
                                   {"$set": {"accepted_at": at}}, events, return_document=ReturnDocument.AFTER)

    def pair_answers_of(self, initiative_id: str) -> dict[str, dict]:
        return {d["_id"]: d for d in self.db.initiative_pairs.find({"initiative_ids": initiative_id}, NO_OUTBOX)}

    def pair_answers_at(self, meeting_id: str) -> list[dict]:
        return list(self.db.initiative_pairs.find({"meeting_id": meeting_id}, NO_OUTBOX))

    def follow_up(self, followup_id: str, fields: dict, events: list[dict]):
        _update_with_events(self.db.followups, {"_id": followup_id}, {"$set": fields}, events, upsert=True)

    def followups_of(self, initiative_id: str) -> dict[str, dict]:
        return {d["_id"]: d for d in self.db.followups.find({"initiative_id": initiative_id}, NO_OUTBOX)}

    def followups_of_person(self, person_id: str) -> list[dict]:
        return list(self.db.followups.find({"person_id": person_id}, NO_OUTBOX))

    def forget_followups_of_person(self, person_id: str):
        self.db.followups.delete_many({"person_id": person_id})

    # --- ideas (registration.ideas) --------------------------------------------------------------------
    def insert_idea(self, doc: dict, events: list[dict]):
        outbox.insert(self.db.ideas, doc, events)

    def count_ideas_of(self, meeting_id: str | None, person_id: str) -> int:
        return self.db.ideas.count_documents({"meeting_id": meeting_id, "person_id": person_id})

    def ideas_on(self, themes: list[str], meeting_ids: list[str] | None, limit: int) -> list[dict]:
        """Ideas on any of ``themes`` (of these evenings, or of all), newest first."""
        query = {"themes": {"$in": themes}, **({"meeting_id": {"$in": meeting_ids}} if meeting_ids else {})}
        return list(self.db.ideas.find(query, NO_OUTBOX).sort("created_at", DESCENDING).limit(limit))

    def ideas_of_person(self, person_id: str) -> list[dict]:
        return list(self.db.ideas.find({"person_id": person_id}, NO_OUTBOX))

    def forget_ideas_of_person(self, person_id: str) -> int:
        return self.db.ideas.delete_many({"person_id": person_id}).deleted_count

    def pending_initiatives(self, limit: int = 200) -> list[dict]:
        """Those that signed up themselves and wait for an organiser's approval, oldest first."""
        return list(self.db.initiatives.find({"status": "pending"}, NO_OUTBOX).sort("created_at", ASCENDING)
                    .limit(limit))

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
        """Expired windows go; a TTL index would do this, but not every store we run on has them (DESIGN §3)."""
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
