"""The only module that talks to MongoDB: matching's read model of registration, and its own decisions.

FerretDB v1 loses concurrent updates to one document (each update reads, changes and writes the document back
without isolation: two writers that overlap both report success and one change is gone — measured, see the
integration tests). So every decision matching makes is an INSERT of a new document with a unique key, and it
carries its events (the outbox) in that same insert; only the outbox relay touches it afterwards:
- ``seats``: one per arrival, ``_id`` = meeting + position in the queue (unique, so two concurrent arrivals
  can't take the same place and both be balanced against a stale picture), unique (meeting_id, person_id)
  (so a person is seated once); carries ``colour.assigned``.
- ``schedules``: one per started evening (``_id`` = meeting id); carries ``schedule.published``.
- ``matches``: one per closed evening (``_id`` = meeting id); carries ``matches.proposed``.
- ``answers``: one per resident, role and answer; carries ``match.accepted``/``match.declined``.
The read model is updated by the consumer alone, with set-style upserts (applying an event twice is harmless):
- ``meetings``: ``info`` from registration, ``registered`` statuses, ``interests``, the evening's ``seed``.
- ``people``: what matching needs of a resident (no name, email or phone): languages, interests, postcode,
  consent, companions, and ``met`` (person → meetings where they shared a table) across the whole series.
- ``initiatives``: name, area, themes, target groups, what they look for, roles, evenings presented at.
"""
import datetime as dt
import secrets

from pymongo import ASCENDING, UpdateOne
from pymongo.database import Database

from wijkkracht import mongo, outbox
from wijkkracht.mongo import DuplicateKeyError

MEETINGS, PEOPLE, INITIATIVES = "meetings", "people", "initiatives"
SEATS, SCHEDULES, MATCHES, ANSWERS = "seats", "schedules", "matches", "answers"
OUTBOX_COLLECTIONS = [SEATS, SCHEDULES, MATCHES, ANSWERS]

INDEXES = {
    SEATS: [outbox.INDEX, ([("meeting_id", ASCENDING), ("person_id", ASCENDING)], {"unique": True}),
            ([("person_id", ASCENDING)], {})],
    SCHEDULES: [outbox.INDEX],
    MATCHES: [outbox.INDEX],
    ANSWERS: [outbox.INDEX, ([("meeting_id", ASCENDING)], {}), ([("person_id", ASCENDING)], {})],
    INITIATIVES: [([("evenings", ASCENDING)], {})],
}


def ensure_indexes(db: Database):
    mongo.ensure_indexes(db, INDEXES)


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _key(value: str) -> str:
    """Ids become field names in a few maps; a dot or a leading $ would change the path's meaning."""
    return str(value).replace(".", "\uff0e").replace("$", "\uff04")


def _shell() -> dict:
    """Fields a meeting document gets when it is first created, whichever event comes first."""
    return {"seed": secrets.token_hex(8), "created_at": now()}


# Meetings -------------------------------------------------------------------------------------------------

def save_meeting_info(db: Database, meeting_id: str, info: dict):
    db[MEETINGS].update_one({"_id": meeting_id}, {"$set": {"info": info}, "$setOnInsert": _shell()}, upsert=True)


def set_expected_attendance(db: Database, meeting_id: str, expected: int | None, initiative_ids: list[str]):
    fields = {}
    if expected is not None:
        fields["expected_attendance"] = expected
    if initiative_ids:
        fields["presenting"] = initiative_ids
    if fields:
        db[MEETINGS].update_one({"_id": meeting_id}, {"$set": fields, "$setOnInsert": _shell()}, upsert=True)


def set_registration_status(db: Database, meeting_id: str, person_id: str, status: str):
    db[MEETINGS].update_one({"_id": meeting_id}, {"$set": {f"registered.{_key(person_id)}": status},
                                                  "$setOnInsert": _shell()}, upsert=True)


def set_interests(db: Database, meeting_id: str, person_id: str, initiative_ids: list[str]):
    db[MEETINGS].update_one({"_id": meeting_id}, {"$set": {f"interests.{_key(person_id)}": initiative_ids},
                                                  "$setOnInsert": _shell()}, upsert=True)


def meeting(db: Database, meeting_id: str, projection: dict | None = None) -> dict | None:
    return db[MEETINGS].find_one({"_id": meeting_id}, projection)


def evening_seed(db: Database, meeting_id: str) -> dict:
    """The meeting's read model with its seed, created (seed and all) if this is the first we hear of it."""
    doc = db[MEETINGS].find_one({"_id": meeting_id}, {"seed": 1, "info": 1, "expected_attendance": 1,
                                                      "registered": 1, "presenting": 1})
    if doc is None or "seed" not in doc:
        try:
            db[MEETINGS].update_one({"_id": meeting_id}, {"$setOnInsert": _shell()}, upsert=True)
        except DuplicateKeyError:
            pass  # created by a concurrent writer: read theirs
        doc = db[MEETINGS].find_one({"_id": meeting_id})
    return doc


# Seats ------------------------------------------------------------------------------------------------

def seats(db: Database, meeting_id: str, projection: dict | None = None) -> list[dict]:
    """The evening's seats in arrival order (one indexed read)."""
    return sorted(db[SEATS].find({"meeting_id": meeting_id}, projection or {"outbox": 0}),
                  key=lambda s: s["position"])


def seat_id(meeting_id: str, position: int) -> str:
    return f"{meeting_id}#{position:06d}"


def add_seat(db: Database, seat: dict, events: list[dict]) -> str:
    """Insert one seat with its event: "seated", or "taken" if the place in the queue went to someone else
    meanwhile (re-read and choose again), or "already" if this person already has a seat."""
    try:
        db[SEATS].insert_one(outbox.new_document({"_id": seat_id(seat["meeting_id"], seat["position"]), **seat},
                                                 events))
        return "seated"
    except DuplicateKeyError:
        if db[SEATS].find_one({"meeting_id": seat["meeting_id"], "person_id": seat["person_id"]}, {"_id": 1}):
            return "already"
        return "taken"


def seat_of(db: Database, meeting_id: str, person_id: str) -> dict | None:
    return db[SEATS].find_one({"meeting_id": meeting_id, "person_id": person_id}, {"outbox": 0})


# Schedules ------------------------------------------------------------------------------------------------

def is_started(db: Database, meeting_id: str) -> bool:
    return db[SCHEDULES].find_one({"_id": meeting_id}, {"_id": 1}) is not None


def schedule(db: Database, meeting_id: str) -> dict | None:
    return db[SCHEDULES].find_one({"_id": meeting_id}, {"outbox": 0})


def publish_schedule(db: Database, meeting_id: str, doc: dict, events: list[dict]) -> bool:
    """Fix the groups and store the timetable with its event; False if it was already published."""
    try:
        db[SCHEDULES].insert_one(outbox.new_document({"_id": meeting_id, **doc}, events))
        return True
    except DuplicateKeyError:
        return False


# People ---------------------------------------------------------------------------------------------------

def save_person(db: Database, person_id: str, fields: dict, meeting_id: str, status: str, companions: list[str]):
    update = {"$set": {**fields, f"meetings.{_key(meeting_id)}": status}}
    if companions:
        update["$addToSet"] = {"companion_ids": {"$each": companions}}
    db[PEOPLE].update_one({"_id": person_id}, update, upsert=True)


def set_person_status(db: Database, person_id: str, meeting_id: str, status: str):
    db[PEOPLE].update_one({"_id": person_id}, {"$set": {f"meetings.{_key(meeting_id)}": status}}, upsert=True)


def person_history(db: Database, person_id: str) -> dict:
    """Who the person came with and who they sat with before: ``{"companions": [...], "met": {id: times}}``."""
    doc = db[PEOPLE].find_one({"_id": person_id}, {"companion_ids": 1, "met": 1}) or {}
    met = {other.replace("\uff0e", "."): len(meetings) for other, meetings in (doc.get("met") or {}).items()}
    return {"companions": doc.get("companion_ids") or [], "met": met}


def record_encounters(db: Database, meeting_id: str, mates: dict[str, list[str]]):
    """Remember who shared a table (idempotent: the meeting id is added to a set per pair)."""
    ops = [UpdateOne({"_id": person}, {"$addToSet": {f"met.{_key(o)}": meeting_id for o in others}}, upsert=True)
           for person, others in mates.items() if others]
    for start in range(0, len(ops), 500):
        db[PEOPLE].bulk_write(ops[start:start + 500], ordered=False)


def people(db: Database, person_ids: list[str]) -> list[dict]:
    found = []
    for start in range(0, len(person_ids), 500):
        found.extend(db[PEOPLE].find({"_id": {"$in": person_ids[start:start + 500]}}, {"met": 0}))
    return found


# Initiatives ----------------------------------------------------------------------------------------------

def save_initiative(db: Database, initiative_id: str, fields: dict):
    db[INITIATIVES].update_one({"_id": initiative_id}, {"$set": fields}, upsert=True)


def add_evening(db: Database, initiative_ids: list[str], meeting_id: str):
    for initiative_id in initiative_ids:
        db[INITIATIVES].update_one({"_id": initiative_id}, {"$addToSet": {"evenings": meeting_id}}, upsert=True)


def initiatives(db: Database) -> list[dict]:
    return list(db[INITIATIVES].find({}))


# Matches --------------------------------------------------------------------------------------------------

def save_matches(db: Database, meeting_id: str, doc: dict, events: list[dict]) -> bool:
    """Store an evening's proposals with their event; False if they were already made."""
    try:
        db[MATCHES].insert_one(outbox.new_document({"_id": meeting_id, **doc}, events))
        return True
    except DuplicateKeyError:
        return False


def matches(db: Database, meeting_id: str) -> dict | None:
    return db[MATCHES].find_one({"_id": meeting_id}, {"outbox": 0})


def answer_id(meeting_id: str, person_id: str, role_id: str, answer: str) -> str:
    return f"{meeting_id}|{person_id}|{role_id}|{answer}"


def record_answer(db: Database, answer: dict, events: list[dict]) -> bool:
    """Store a resident's answer with its event; False if that same answer was already given."""
    try:
        db[ANSWERS].insert_one(outbox.new_document(
            {"_id": answer_id(answer["meeting_id"], answer["person_id"], answer["role_id"], answer["answer"]),
             **answer, "at": now()}, events))
        return True
    except DuplicateKeyError:
        return False


def answers(db: Database, meeting_id: str) -> dict[tuple[str, str], str]:
    """(person, role) → the latest answer."""
    latest = {}
    for doc in sorted(db[ANSWERS].find({"meeting_id": meeting_id}, {"outbox": 0}), key=lambda d: d["at"]):
        latest[(doc["person_id"], doc["role_id"])] = doc["answer"]
    return latest


# Erasure --------------------------------------------------------------------------------------------------

def erase_person(db: Database, person_id: str):
    """Remove everything matching holds about one person (each step idempotent)."""
    key = _key(person_id)
    db[PEOPLE].delete_one({"_id": person_id})
    db[PEOPLE].update_many({f"met.{key}": {"$exists": True}}, {"$unset": {f"met.{key}": ""}})
    db[PEOPLE].update_many({"companion_ids": person_id}, {"$pull": {"companion_ids": person_id}})
    for field in ("registered", "interests"):
        db[MEETINGS].update_many({f"{field}.{key}": {"$exists": True}}, {"$unset": {f"{field}.{key}": ""}})
    db[SEATS].delete_many({"person_id": person_id})
    db[ANSWERS].delete_many({"person_id": person_id})
    # FerretDB v1 ignores $pull with a condition on embedded documents: filter here and write the list back.
    for doc in db[MATCHES].find({"residents.person_id": person_id}, {"residents": 1}):
        kept = [r for r in doc["residents"] if r["person_id"] != person_id]
        db[MATCHES].update_one({"_id": doc["_id"]}, {"$set": {"residents": kept}})


def ping(client) -> bool:
    return mongo.is_reachable(client)



def initiative(db: Database, initiative_id: str) -> dict | None:
    return db[INITIATIVES].find_one({"_id": initiative_id})
