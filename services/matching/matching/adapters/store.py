"""The only module that talks to MongoDB: matching's read model of registration, and its own decisions.

Collections (database "matching"):
- ``meetings``: one document per evening — what registration told us (``info``, ``registered``,
  ``interests``), the seed, the seating (``colours``, ``members`` person → colour, ``seating_log``), the
  ``schedule``; changed with a ``version`` guard so two check-ins never overwrite each other. Its outbox
  carries ``colour.assigned`` and ``schedule.published``.
- ``people``: what matching needs of a resident (no name, email or phone): languages, interests, postcode,
  consent, companions, and ``met`` (person → meetings where they shared a table) across the whole series.
- ``initiatives``: name, area, themes, target groups, what they look for, roles, evenings presented at.
- ``matches``: one document per closed evening (``_id`` = meeting id, inserted once), its outbox carrying
  ``matches.proposed``; later ``match.accepted``/``match.declined`` leave from it too.
"""
import datetime as dt
import secrets

from pymongo import UpdateOne
from pymongo.database import Database

from wijkkracht import mongo, outbox
from wijkkracht.mongo import DuplicateKeyError

MEETINGS, PEOPLE, INITIATIVES, MATCHES = "meetings", "people", "initiatives", "matches"
OUTBOX_COLLECTIONS = [MEETINGS, MATCHES]

INDEXES = {
    MEETINGS: [outbox.INDEX],
    MATCHES: [outbox.INDEX],
    PEOPLE: [],
    INITIATIVES: [([("evenings", 1)], {})],
}

# What a check-in needs of the meeting document: everything but the bulky parts.
_SEATING_PROJECTION = {"registered": 0, "seating_log": 0, "schedule": 0, "interests": 0, "outbox": 0}


def ensure_indexes(db: Database):
    mongo.ensure_indexes(db, INDEXES)


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _key(value: str) -> str:
    """Ids become field names in a few maps; a dot or a leading $ would change the path's meaning."""
    return str(value).replace(".", "\uff0e").replace("$", "\uff04")


def _shell() -> dict:
    """Fields a meeting document gets when it is first created, whichever event comes first."""
    return {"seed": secrets.token_hex(8), "version": 0, "colours": [], "members": {}, "created_at": now()}


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


def seating_state(db: Database, meeting_id: str) -> dict:
    """The meeting as a check-in needs it (one read by _id); created with its seed if it is new."""
    doc = db[MEETINGS].find_one({"_id": meeting_id}, _SEATING_PROJECTION)
    if doc is None:
        try:
            db[MEETINGS].update_one({"_id": meeting_id}, {"$setOnInsert": _shell()}, upsert=True)
        except DuplicateKeyError:
            pass  # created by a concurrent writer: read theirs
        doc = db[MEETINGS].find_one({"_id": meeting_id}, _SEATING_PROJECTION)
    return doc


def record_colour(db: Database, meeting_id: str, version: int, person_id: str, colour: str,
                  colours: list[str], log: dict, events: list[dict]) -> bool:
    """Seat one person and queue the event, in one write; False if someone else changed the seating first."""
    key = _key(person_id)
    result = db[MEETINGS].update_one(
        {"_id": meeting_id, "version": version, f"members.{key}": {"$exists": False}},
        outbox.with_events({"$set": {f"members.{key}": colour, f"seating_log.{key}": log, "colours": colours},
                            "$inc": {"version": 1}}, events))
    return result.modified_count == 1


def meeting(db: Database, meeting_id: str, projection: dict | None = None) -> dict | None:
    return db[MEETINGS].find_one({"_id": meeting_id}, projection or {"outbox": 0})


def publish_schedule(db: Database, meeting_id: str, started_at, rounds: list[dict], events: list[dict]) -> bool:
    """Fix the groups and store the timetable with its event; False if it was already published."""
    result = db[MEETINGS].update_one(
        {"_id": meeting_id, "schedule": {"$exists": False}},
        outbox.with_events({"$set": {"started": True, "started_at": started_at, "schedule": rounds},
                            "$inc": {"version": 1}}, events))
    return result.modified_count == 1


def mark_closed(db: Database, meeting_id: str, closed_at):
    db[MEETINGS].update_one({"_id": meeting_id}, {"$set": {"closed_at": closed_at}})


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


def record_answer(db: Database, meeting_id: str, person_id: str, role_id: str, answer: str,
                  events: list[dict]) -> bool:
    """Store a resident's answer with its event; False if that same answer was already stored."""
    path = f"answers.{_key(person_id)}.{_key(role_id)}"
    result = db[MATCHES].update_one(
        {"_id": meeting_id, f"{path}.answer": {"$ne": answer}},
        outbox.with_events({"$set": {path: {"answer": answer, "at": now()}}}, events))
    return result.modified_count == 1


def answer_of(doc: dict, person_id: str, role_id: str) -> str | None:
    entry = ((doc.get("answers") or {}).get(_key(person_id)) or {}).get(_key(role_id))
    return entry["answer"] if entry else None


# Erasure --------------------------------------------------------------------------------------------------

def erase_person(db: Database, person_id: str):
    """Remove everything matching holds about one person (each step idempotent)."""
    key = _key(person_id)
    db[PEOPLE].delete_one({"_id": person_id})
    db[PEOPLE].update_many({f"met.{key}": {"$exists": True}}, {"$unset": {f"met.{key}": ""}})
    db[PEOPLE].update_many({"companion_ids": person_id}, {"$pull": {"companion_ids": person_id}})
    for field in ("members", "seating_log", "registered", "interests"):
        db[MEETINGS].update_many({f"{field}.{key}": {"$exists": True}}, {"$unset": {f"{field}.{key}": ""}})
    db[MATCHES].update_many({"residents.person_id": person_id},
                            {"$pull": {"residents": {"person_id": person_id}}})
    db[MATCHES].update_many({f"answers.{key}": {"$exists": True}}, {"$unset": {f"answers.{key}": ""}})


def ping(client) -> bool:
    return mongo.is_reachable(client)



def initiative(db: Database, initiative_id: str) -> dict | None:
    return db[INITIATIVES].find_one({"_id": initiative_id})
