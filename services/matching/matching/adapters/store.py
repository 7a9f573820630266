"""The only module that talks to MongoDB: matching's read model of registration, and its own decisions.

FerretDB v1 loses concurrent updates to one document (each update reads, changes and writes the document back
without isolation: two writers that overlap both report success and one change is gone — measured, see the
integration tests). So every decision matching makes is an INSERT of a new document with a unique key, and it
carries its events (the outbox) in that same insert (``outbox.insert``, which also leaves the relay a hint);
only the relay touches it afterwards. They all live in ONE collection, ``decisions`` (the relay's safety-net
sweep reads whole collections on FerretDB, so the fewer and shorter, the better), each with a ``kind``:
- ``seat``: one per arrival, ``_id`` = meeting + position in the queue (unique, so two concurrent arrivals
  can't take the same place and both be balanced against a stale picture), unique ``uniq`` = meeting +
  person (so a person is seated once); carries ``colour.assigned``. ``seating`` (one per meeting)
  summarises them for the door (see below).
- ``schedule``: one per started evening; carries ``schedule.published``.
- ``matches``: one per closed evening; carries ``matches.proposed``.
- ``answer``: one per resident, role and answer; carries ``match.accepted``/``match.declined``.
Once their events have left, they move to ``decisions_archive``, which keeps the relay's sweep short.
The read model is updated by the consumer alone, with set-style upserts (applying an event twice is harmless):
- ``meetings``: ``info`` from registration, ``interests``, the evening's ``seed``.
- ``people``: what matching needs of a resident (no name, email or phone): languages, interests, postcode,
  consent, companions, and ``met`` (person → meetings where they shared a table) across the whole series.
- ``initiatives``: name, area, themes, target groups, what they look for, roles, evenings presented at.
"""
import datetime as dt
import secrets

from pymongo import ASCENDING, UpdateOne
from pymongo.errors import BulkWriteError
from pymongo.database import Database

from wijkkracht import mongo, outbox
from wijkkracht.mongo import DuplicateKeyError

MEETINGS, PEOPLE, INITIATIVES = "meetings", "people", "initiatives"
DECISIONS, SEATING = "decisions", "seating"
OUTBOX_COLLECTIONS = [DECISIONS]

INDEXES = {
    DECISIONS: [outbox.INDEX, ([("uniq", ASCENDING)], {"unique": True}),
                ([("kind", ASCENDING), ("meeting_id", ASCENDING)], {}), ([("person_id", ASCENDING)], {})],
    f"{DECISIONS}_archive": [([("kind", ASCENDING), ("meeting_id", ASCENDING)], {}), ([("person_id", ASCENDING)], {})],
    "answers_archive": [([("meeting_id", ASCENDING)], {}), ([("person_id", ASCENDING)], {})],
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


# Decisions leave through the outbox, then move to "<collection>_archive" (see archive_published): readers
# look in the collection first and in the archive second. The mover copies before it deletes, so in that
# order a reader can never miss a document that is moving.

def archive(name: str) -> str:
    return f"{name}_archive"


# Answers are looked up by evening (a filter, so a scan on FerretDB): they get an archive of their own,
# away from the many seats.
ANSWERS_ARCHIVE = "answers_archive"


def _archive_of(doc: dict) -> str:
    return ANSWERS_ARCHIVE if doc.get("kind") == "answer" else archive(DECISIONS)


def _find_one(db: Database, name: str, query: dict, projection: dict | None = None) -> dict | None:
    return db[name].find_one(query, projection) or db[archive(name)].find_one(query, projection)


def archive_published(db: Database, name: str, older_than_s: float = 2.0, limit: int = 500) -> int:
    """Move documents whose events have all left (and that are no longer fresh) to the archive, so what the
    outbox relay's sweep reads stays short (FerretDB reads a whole collection for its ``has_outbox`` filter).
    In batches: every write on FerretDB/SQLite is a commit, and the door's writes wait behind them."""
    cutoff = now() - dt.timedelta(seconds=older_than_s)
    docs = [d for d in db[name].find({}).limit(limit)
            if not d.get("outbox") and not (d.get("created_at") and d["created_at"] > cutoff)]
    if not docs:
        return 0
    by_archive: dict[str, list[dict]] = {}
    for doc in docs:
        doc.pop("outbox", None)
        doc["has_outbox"] = False
        by_archive.setdefault(_archive_of(doc) if name == DECISIONS else archive(name), []).append(doc)
    for target, batch in by_archive.items():
        try:
            db[target].insert_many(batch, ordered=False)
        except BulkWriteError as exc:  # copied by an earlier, interrupted run: fine, unless it's not that
            if any(e.get("code") != 11000 for e in exc.details.get("writeErrors", [])):
                raise
    # Only those still without pending events: one that gained an event meanwhile stays (and is re-copied later).
    db[name].delete_many({"_id": {"$in": [d["_id"] for d in docs]},
                          "$or": [{"outbox": {}}, {"outbox": {"$exists": False}}]})
    return len(docs)


def _insert_decision(db: Database, kind: str, doc: dict, events: list[dict]) -> bool:
    """Insert a decision with its events; False if one with this ``_id`` exists (here or in the archive)."""
    if db[_archive_of({"kind": kind})].find_one({"_id": doc["_id"]}, {"_id": 1}) is not None:
        return False
    try:
        outbox.insert(db[DECISIONS], {"kind": kind, "uniq": doc["_id"], **doc,
                                    "created_at": now()}, events)
        return True
    except DuplicateKeyError:
        return False


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


def set_interests(db: Database, meeting_id: str, person_id: str, initiative_ids: list[str]):
    db[MEETINGS].update_one({"_id": meeting_id}, {"$set": {f"interests.{_key(person_id)}": initiative_ids},
                                                  "$setOnInsert": _shell()}, upsert=True)


def meeting(db: Database, meeting_id: str, projection: dict | None = None) -> dict | None:
    return db[MEETINGS].find_one({"_id": meeting_id}, projection)


def evening_seed(db: Database, meeting_id: str) -> dict:
    """The meeting's read model with its seed, created (seed and all) if this is the first we hear of it."""
    doc = db[MEETINGS].find_one({"_id": meeting_id}, {"seed": 1, "info": 1, "expected_attendance": 1,
                                                      "presenting": 1})
    if doc is None or "seed" not in doc:
        try:
            db[MEETINGS].update_one({"_id": meeting_id}, {"$setOnInsert": _shell()}, upsert=True)
        except DuplicateKeyError:
            pass  # created by a concurrent writer: read theirs
        doc = db[MEETINGS].find_one({"_id": meeting_id})
    return doc


# Seats ------------------------------------------------------------------------------------------------
#
# FerretDB v1 pushes only `_id` equality down to SQLite; any other filter reads the whole collection. So the
# door's path reads by `_id` only: the evening's `seating` summary, then the seats after it, probed by their
# `_id` (meeting#position). The seats are the truth (unique ids, each carrying its `colour.assigned`); the
# summary is a cache that the next check-in repairs if an update to it was lost.

def seat_id(meeting_id: str, position: int) -> str:
    return f"seat:{meeting_id}#{position:06d}"


def seat_at(db: Database, meeting_id: str, position: int) -> dict | None:
    _id = seat_id(meeting_id, position)
    return _find_one(db, DECISIONS, {"_id": _id}, {"outbox": 0, "log": 0})


def _pack(seat: dict | None) -> str:
    """A seat in the summary as one flat string, "person colour" ("" once erased): FerretDB reads a document
    of flat strings about five times faster than the same one with a small sub-document per seat."""
    return f"{seat['p']} {seat['c']}" if seat else ""


def _unpack(value) -> dict | None:
    if isinstance(value, dict):  # written before seats were packed
        return value
    if not value:
        return None
    person, colour = value.rsplit(" ", 1)  # colours never hold a space
    return {"p": person, "c": colour}


def seating(db: Database, meeting_id: str) -> dict:
    """The evening's seating: ``{count, members: {person: colour}, colours, seed, group_size, repairs}``.

    Read by _id only: the summary, then any seat it lacks (a summary update lost to a concurrent writer, or
    seats it has not caught up with), probed by the seat's own _id. ``repairs`` are summary fields to write
    back with the next seat.
    """
    summary = db[SEATING].find_one({"_id": meeting_id}) or {}
    known = {int(k[1:]): _unpack(v) for k, v in (summary.get("seats") or {}).items()}
    count = summary.get("count", 0)
    colours = list(summary.get("colours") or [])
    seed, group_size = summary.get("seed"), summary.get("group_size")
    repairs = {}

    def take(position: int, seat: dict):
        nonlocal colours, seed, group_size
        known[position] = None if seat.get("erased") else {"p": seat["person_id"], "c": seat["colour"]}
        repairs[f"seats.n{position:06d}"] = _pack(known[position])
        if len(seat["colours"]) > len(colours):
            colours = list(seat["colours"])
        seed, group_size = seed or seat["seed"], group_size or seat["group_size"]

    for position in range(count):
        if position not in known and (seat := seat_at(db, meeting_id, position)) is not None:
            take(position, seat)
    while (seat := seat_at(db, meeting_id, count)) is not None:  # seats the summary has not caught up with
        take(count, seat)
        count += 1
    members = {v["p"]: v["c"] for _, v in sorted(known.items()) if v}
    positions = {v["p"]: n for n, v in known.items() if v}
    return {"count": count, "members": members, "positions": positions, "colours": colours, "seed": seed, "group_size": group_size,
            "started": bool(summary.get("started")), "repairs": repairs}


def add_seat(db: Database, seat: dict, events: list[dict], repairs: dict | None = None) -> str:
    """Insert one seat with its event: "seated", or "taken" if the place in the queue went to someone else
    meanwhile (re-read and choose again), or "already" if this person already has a seat."""
    try:
        outbox.insert(db[DECISIONS], {
            "_id": seat_id(seat["meeting_id"], seat["position"]), "kind": "seat",
            "uniq": f"seat:{seat['meeting_id']}|{seat['person_id']}", "created_at": now(), **seat}, events)
    except DuplicateKeyError:
        taken = seat_at(db, seat["meeting_id"], seat["position"])
        return "already" if taken is None or taken["person_id"] == seat["person_id"] else "taken"
    summary = {**(repairs or {}),
               f"seats.n{seat['position']:06d}": _pack({"p": seat["person_id"], "c": seat["colour"]}),
               "colours": seat["colours"], "seed": seat["seed"], "group_size": seat["group_size"]}
    db[SEATING].update_one({"_id": seat["meeting_id"]}, {"$set": summary, "$max": {"count": seat["position"] + 1}},
                           upsert=True)
    return "seated"


def seat_of(db: Database, meeting_id: str, person_id: str) -> dict | None:
    """One person's seat with its explanation, found through the seating summary and read by _id."""
    position = seating(db, meeting_id)["positions"].get(person_id)
    if position is None:
        return None
    return _find_one(db, DECISIONS, {"_id": seat_id(meeting_id, position)}, {"outbox": 0})


# Schedules ------------------------------------------------------------------------------------------------

def is_started(db: Database, meeting_id: str) -> bool:
    return _find_one(db, DECISIONS, {"_id": f"schedule:{meeting_id}"}, {"_id": 1}) is not None


def schedule(db: Database, meeting_id: str) -> dict | None:
    return _find_one(db, DECISIONS, {"_id": f"schedule:{meeting_id}"}, {"outbox": 0})


def publish_schedule(db: Database, meeting_id: str, doc: dict, events: list[dict]) -> bool:
    """Fix the groups and store the timetable with its event; False if it was already published.
    The seating summary is told too, so the door knows without another read (it re-checks if unsure)."""
    published = _insert_decision(db, "schedule", {"_id": f"schedule:{meeting_id}", "meeting_id": meeting_id,
                                                  **doc}, events)
    db[SEATING].update_one({"_id": meeting_id}, {"$set": {"started": True}}, upsert=True)
    return published


def publish_schedule_seen(db: Database, meeting_id: str):
    """A redelivered start: make sure the seating summary knows (its first update may have been lost)."""
    db[SEATING].update_one({"_id": meeting_id}, {"$set": {"started": True}}, upsert=True)


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
    return _insert_decision(db, "matches", {"_id": f"matches:{meeting_id}", "meeting_id": meeting_id, **doc},
                            events)


def matches(db: Database, meeting_id: str) -> dict | None:
    return _find_one(db, DECISIONS, {"_id": f"matches:{meeting_id}"}, {"outbox": 0})


def answer_id(meeting_id: str, person_id: str, role_id: str, answer: str) -> str:
    return f"answer:{meeting_id}|{person_id}|{role_id}|{answer}"


def record_answer(db: Database, answer: dict, events: list[dict]) -> bool:
    """Store a resident's answer with its event; False if that same answer was already given."""
    return _insert_decision(db, "answer", {"_id": answer_id(answer["meeting_id"], answer["person_id"],
                                                            answer["role_id"], answer["answer"]),
                                          **answer, "at": now()}, events)


def answers(db: Database, meeting_id: str) -> dict[tuple[str, str], str]:
    """(person, role) → the latest answer."""
    latest = {}
    query = {"kind": "answer", "meeting_id": meeting_id}
    found = {d["_id"]: d for d in db[ANSWERS_ARCHIVE].find(query)}
    found.update({d["_id"]: d for d in db[DECISIONS].find(query, {"outbox": 0})})
    for doc in sorted(found.values(), key=lambda d: d["at"]):
        latest[(doc["person_id"], doc["role_id"])] = doc["answer"]
    return latest


# Erasure --------------------------------------------------------------------------------------------------

def erase_person(db: Database, person_id: str):
    """Remove everything matching holds about one person. Guided by the person's own document (which evenings,
    which table-mates, which companions) so every step is a read or write by _id — FerretDB would read whole
    collections for anything else; the person's document goes last, so a crash halfway is simply redone."""
    key = _key(person_id)
    person = db[PEOPLE].find_one({"_id": person_id}, {"meetings": 1, "met": 1, "companion_ids": 1})
    if person is None:
        return  # already erased (or never known)
    for other in (person.get("met") or {}):
        db[PEOPLE].update_one({"_id": other.replace("\uff0e", ".")}, {"$unset": {f"met.{key}": ""}})
    for other in person.get("companion_ids") or []:
        db[PEOPLE].update_one({"_id": other}, {"$pull": {"companion_ids": person_id}})
    for meeting_key in (person.get("meetings") or {}):
        meeting_id = meeting_key.replace("\uff0e", ".")
        db[MEETINGS].update_one({"_id": meeting_id}, {"$unset": {f"interests.{key}": ""}})
        position = seating(db, meeting_id)["positions"].get(person_id)
        if position is not None:
            # The place in the queue stays taken (the summary marks it empty), so no one else is put there.
            db[SEATING].update_one({"_id": meeting_id}, {"$set": {f"seats.n{position:06d}": ""}})
            for name in (DECISIONS, archive(DECISIONS)):
                db[name].update_one({"_id": seat_id(meeting_id, position)},
                                    {"$set": {"person_id": None, "erased": True, "log": {},
                                              "uniq": f"erased:{seat_id(meeting_id, position)}"}})
        # FerretDB v1 ignores $pull with a condition on embedded documents: filter here, write the list back.
        for name in (DECISIONS, archive(DECISIONS)):
            doc = db[name].find_one({"_id": f"matches:{meeting_id}"}, {"residents": 1})
            if doc and any(r["person_id"] == person_id for r in doc.get("residents") or []):
                kept = [r for r in doc["residents"] if r["person_id"] != person_id]
                db[name].update_one({"_id": doc["_id"]}, {"$set": {"residents": kept}})
    for name in (DECISIONS, ANSWERS_ARCHIVE):  # both short
        db[name].delete_many({"kind": "answer", "person_id": person_id})
    db[PEOPLE].delete_one({"_id": person_id})


def ping(client) -> bool:
    return mongo.is_reachable(client)



def initiative(db: Database, initiative_id: str) -> dict | None:
    return db[INITIATIVES].find_one({"_id": initiative_id})
