"""The only module that talks to MongoDB: matching's read model of registration, and its own decisions.

Every decision is one atomic single-document write that carries its events (the outbox): an update whose
filter holds the condition it depends on, or the insert of a document that can exist only once.
- ``meetings`` (one per evening): registration's ``info``, ``interests``, the evening's random ``seed`` —
  and matching's decisions about the evening: ``seating`` (who sits at which colour, claimed one arrival at
  a time by an update conditional on the seating it was chosen from, carrying ``colour.assigned``) and the
  ``schedule`` once started (carrying ``schedule.published``). The door reads this document at every
  arrival, so it holds a colour per person and nothing bulkier; why each sits there is in ``seats``.
- ``seats`` (one per arrival, ``_id`` = meeting/person): the explanation of a seat for the organiser (place in
  the queue, the groups it could have joined, what was avoided), written right after the seat itself.
- ``matches``, per closed evening: its outline (``_id`` = meeting id, inserted once): the initiative pairs
  and who is in which part of the proposals (``members``, person ids per part) — small whatever the
  attendance; and its parts (``_id`` = meeting/part, each inserted once with that part's
  ``matches.proposed``): the part's residents keyed by person (``person_ids`` lists them, indexed), each with
  the answers they gave (an update conditional on the answer being new carries ``match.accepted``/
  ``match.declined``). Parts keep every document and every event far below the store's and the broker's
  limits at any attendance; one collection, so the relay has no extra collection to watch. (Evenings closed
  before proposals came in parts hold their residents in the outline's place; still read.)
- ``people``: what matching needs of a resident (no name, email or phone): languages, interests, postcode,
  consent, companions, the evenings they signed up for or sat at (``meeting_ids``, indexed), and ``met``
  (person → evenings where they shared a table) across the whole series.
- ``initiatives``: name, area, themes, target groups, what they look for, roles, evenings presented at.
- ``erasures`` (``_id`` = person id): the tombstone of an erased person, written before anything is removed;
  every handler of an event that names a person consults it, so a late, redelivered or reordered event
  never brings them back.
The read model is updated by the consumer alone, with set-style updates (applying an event twice is harmless).
"""
import datetime as dt
import secrets
from urllib.parse import quote, unquote

from pymongo import ASCENDING, UpdateOne
from pymongo.database import Database
from pymongo.errors import BulkWriteError

from wijkkracht import mongo, outbox
from wijkkracht.mongo import DuplicateKeyError

MEETINGS, SEATS, MATCHES, PEOPLE, INITIATIVES = "meetings", "seats", "matches", "people", "initiatives"
PROPOSALS = MATCHES  # the parts of an evening's proposals live beside its outline
ERASURES = "erasures"
OUTBOX_COLLECTIONS = [MEETINGS, MATCHES]

INDEXES = {
    MEETINGS: [outbox.INDEX, ([("proposals_due", ASCENDING)], {})],
    MATCHES: [outbox.INDEX, ([("meeting_id", ASCENDING)], {}), ([("person_ids", ASCENDING)], {})],
    PEOPLE: [([("meeting_ids", ASCENDING)], {})],
}

# What the door needs of an evening (the rest is not sent).
_DOOR_VIEW = {"interests": 0, "schedule": 0, "outbox": 0}


def ensure_indexes(db: Database):
    mongo.ensure_indexes(db, INDEXES)


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _key(value: str) -> str:
    """Ids become field names in a few maps: percent-encoded, so a dot, a ``$`` or a control character in an
    id (one typed into a URL, say) can never change or break the path. Ids as we make them stay as they are."""
    return quote(str(value), safe="-_~").replace(".", "%2E")


def _unkey(value: str) -> str:
    return unquote(value)


def _shell() -> dict:
    """Fields a meeting document gets when it is first created, whichever event comes first."""
    return {"seed": secrets.token_hex(8), "created_at": now()}


def _update_with_events(collection, query: dict, update: dict, events: list[dict]) -> bool:
    """One update carrying ``events``, applied only if ``query`` (its conditions) holds; True if it was."""
    return collection.update_one(query, outbox.with_events(update, events)).matched_count == 1


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


def want_proposals(db: Database, meeting_id: str, close: dict):
    """The evening closed: its proposals are due (made by the proposals job, not by the consumer, so a big
    evening never holds up another's door). ``close`` is what the job needs of the close event."""
    db[MEETINGS].update_one({"_id": meeting_id}, {"$set": {"proposals_due": True, "close": close},
                                                  "$setOnInsert": _shell()}, upsert=True)


def claim_due_proposals(db: Database, owner: str, lease_s: float) -> dict | None:
    """One evening whose proposals are due and that no live job holds, leased to ``owner``."""
    at = now()
    for doc in db[MEETINGS].find({"proposals_due": True}, {"_id": 1, "proposals_lease": 1}):
        lease = doc.get("proposals_lease") or {}
        if lease.get("until") and _aware(lease["until"]) > at:
            continue
        claimed = db[MEETINGS].find_one_and_update(
            {"_id": doc["_id"], "proposals_due": True, "proposals_lease": doc.get("proposals_lease")},
            {"$set": {"proposals_lease": {"owner": owner, "until": at + dt.timedelta(seconds=lease_s)}}})
        if claimed is not None:
            return claimed
    return None


def proposals_done(db: Database, meeting_id: str):
    db[MEETINGS].update_one({"_id": meeting_id}, {"$set": {"proposals_due": False},
                                                  "$unset": {"proposals_lease": ""}})


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def meeting(db: Database, meeting_id: str, projection: dict | None = None) -> dict | None:
    return db[MEETINGS].find_one({"_id": meeting_id}, projection)


def evening(db: Database, meeting_id: str) -> dict:
    """The evening as the door and the start need it (its seed, info and seating), created if this is the
    first we hear of it (an event may overtake ``meeting.scheduled``)."""
    doc = db[MEETINGS].find_one({"_id": meeting_id}, _DOOR_VIEW)
    if doc is None or "seed" not in doc:
        try:
            db[MEETINGS].update_one({"_id": meeting_id}, {"$setOnInsert": _shell()}, upsert=True)
        except DuplicateKeyError:
            pass  # created by a concurrent writer: read theirs
        doc = db[MEETINGS].find_one({"_id": meeting_id}, _DOOR_VIEW)
    return doc


def interests(doc: dict) -> dict[str, list[str]]:
    """person → the initiatives they asked to join, from a meeting document."""
    return {_unkey(k): v for k, v in (doc.get("interests") or {}).items()}


# Seats ------------------------------------------------------------------------------------------------
#
# ``seating`` = {count, colours (opened, in table order: a table's number is its place), closed (colours closed
# at the start, their people moved), group_size, members: {person: colour}, places: {person: their place in
# the queue}, undone: {person: when their check-in was taken back}}.
# ``count`` is the arrivals so far, erased ones included: an erased person's place in the queue stays taken.
# ``places`` keeps the arrival order of several seated in one update (MongoDB adds the fields an update sets in
# the order of their names); members seated before places were kept have none and came first.

def seating(doc: dict | None) -> dict:
    """The evening's seating from its meeting document: ``{count, members: {person: colour}, colours, closed,
    group_size, seed, started, undone}``, members in the order they arrived."""
    doc = doc or {}
    state = doc.get("seating") or {}
    places = state.get("places") or {}
    stored = list((state.get("members") or {}).items())
    in_order = sorted(range(len(stored)), key=lambda i: (places.get(stored[i][0], -1), i))
    return {"count": state.get("count", 0), "members": {_unkey(stored[i][0]): stored[i][1] for i in in_order},
            "colours": list(state.get("colours") or []), "closed": list(state.get("closed") or []),
            "group_size": state.get("group_size"), "seed": doc.get("seed"), "started": bool(doc.get("started")),
            "undone": {_unkey(k): v for k, v in (state.get("undone") or {}).items()}}


def _unchanged(count: int) -> dict:
    """A filter condition: the seating still holds the ``count`` arrivals a decision was made from."""
    return {"seating.count": count if count else {"$in": [0, None]}}


def add_seat(db: Database, meeting_id: str, position: int, seats: list[tuple[str, str]], colours: list[str],
             group_size: int, events: list[dict]) -> bool:
    """Seat arrivals (``seats``: person, colour, in arrival order) from the ``position``-th on, with their events,
    in one update, if the seating is still the one they were chosen from; False if not (someone was seated
    meanwhile, perhaps one of them by a copy of the event: re-read)."""
    fields = {"seating.count": position + len(seats), "seating.colours": colours, "seating.group_size": group_size}
    for place, (person_id, colour) in enumerate(seats, start=position):
        fields[f"seating.members.{_key(person_id)}"] = colour
        fields[f"seating.places.{_key(person_id)}"] = place
    return _update_with_events(db[MEETINGS], {"_id": meeting_id, **_unchanged(position)}, {"$set": fields}, events)


def _seat_id(meeting_id: str, person_id: str) -> str:
    return f"{_key(meeting_id)}/{_key(person_id)}"


def explain_seats(db: Database, meeting_id: str, explanations: list[tuple[str, dict]]):
    """Keep why each seat (person, explanation) was chosen, in one write (idempotent). Written after the seats:
    a crash in between loses only this."""
    docs = [{"_id": _seat_id(meeting_id, person_id), "meeting_id": meeting_id, "person_id": person_id, **explanation}
            for person_id, explanation in explanations]
    try:
        db[SEATS].insert_many(docs, ordered=False)
    except BulkWriteError as exc:
        if any(e.get("code") != 11000 for e in exc.details.get("writeErrors") or ()):
            raise
        # the others were kept already: a seat is chosen once


def seat_of(db: Database, meeting_id: str, person_id: str) -> dict | None:
    """One person's seat with its explanation: ``{colour, table, seed, position, log}``."""
    state = seating(db[MEETINGS].find_one({"_id": meeting_id}, _DOOR_VIEW))
    colour = state["members"].get(person_id)
    if colour is None:
        return None
    explanation = db[SEATS].find_one({"_id": _seat_id(meeting_id, person_id)}) or {}
    return {"person_id": person_id, "colour": colour, "table": state["colours"].index(colour) + 1,
            "seed": state["seed"], "position": explanation.get("position"), "log": explanation}


def undo_seat(db: Database, meeting_id: str, person_id: str, at: str):
    """A check-in taken back: the person leaves their table (the seat is free) and ``at`` (the undo's time) is kept,
    so the undone check-in, if it comes again, seats nobody, while a new one seats them anew. Idempotent."""
    key = _key(person_id)
    db[MEETINGS].update_one({"_id": meeting_id}, {"$unset": {f"seating.members.{key}": "", f"seating.places.{key}": ""},
                                                  "$max": {f"seating.undone.{key}": at}})
    db[SEATS].delete_one({"_id": _seat_id(meeting_id, person_id)})


def explain_move(db: Database, meeting_id: str, person_id: str, move: dict):
    """Add to a seat's explanation that the start moved it (from which colour, why). Idempotent."""
    db[SEATS].update_one({"_id": _seat_id(meeting_id, person_id)}, {"$set": {"moved": move}})


# Schedules ------------------------------------------------------------------------------------------------

def publish_schedule(db: Database, meeting_id: str, seated: int, doc: dict, events: list[dict],
                     moves: list[tuple[str, str, str]] = (), closed: list[str] = ()) -> bool:
    """Fix the groups and store the timetable with its events, if not started yet and nobody was seated since
    the timetable was made (a new colour would have no table in it); False if not. ``moves`` (person, from, to)
    are the people of the ``closed`` tables seated elsewhere, each only if still at the table it leaves."""
    query = {"_id": meeting_id, "started": {"$ne": True}, **_unchanged(seated)}
    fields = {"started": True, "schedule": doc}
    if closed:
        fields["seating.closed"] = list(closed)
    for person, before, after in moves:
        query[f"seating.members.{_key(person)}"] = before
        fields[f"seating.members.{_key(person)}"] = after
    return _update_with_events(db[MEETINGS], query, {"$set": fields}, events)


# People ---------------------------------------------------------------------------------------------------

def save_person(db: Database, person_id: str, fields: dict, meeting_id: str, status: str, companions: list[str]):
    update = {"$set": {**fields, f"statuses.{_key(meeting_id)}": status},
              "$addToSet": {"meeting_ids": meeting_id}}
    if companions:
        update["$addToSet"]["companion_ids"] = {"$each": companions}
    db[PEOPLE].update_one({"_id": person_id}, update, upsert=True)


def set_person_status(db: Database, person_id: str, meeting_id: str, status: str):
    db[PEOPLE].update_one({"_id": person_id}, {"$set": {f"statuses.{_key(meeting_id)}": status},
                                               "$addToSet": {"meeting_ids": meeting_id}}, upsert=True)


def person_history(db: Database, person_id: str) -> dict:
    """Who the person came with and who they sat with before: ``{"companions": [...], "met": {id: times}}``."""
    doc = db[PEOPLE].find_one({"_id": person_id}, {"companion_ids": 1, "met": 1}) or {}
    met = {_unkey(other): len(meetings) for other, meetings in (doc.get("met") or {}).items()}
    return {"companions": doc.get("companion_ids") or [], "met": met}


def record_encounters(db: Database, meeting_id: str, mates: dict[str, list[str]]):
    """Remember who sat at tonight's tables and with whom (idempotent: set-style additions)."""
    ops = []
    for person, others in mates.items():
        update = {"$addToSet": {"meeting_ids": meeting_id, **{f"met.{_key(o)}": meeting_id for o in others}}}
        ops.append(UpdateOne({"_id": person}, update, upsert=True))
    for start in range(0, len(ops), 500):
        db[PEOPLE].bulk_write(ops[start:start + 500], ordered=False)


def attendees(db: Database, meeting_id: str, person_ids: list[str]) -> list[dict]:
    """The people documents of tonight's attendees, found by the evening (indexed), in ``person_ids``' order."""
    found = {d["_id"]: d for d in db[PEOPLE].find({"meeting_ids": meeting_id}, {"met": 0})}
    return [found[p] for p in person_ids if p in found]


# Initiatives ----------------------------------------------------------------------------------------------

def save_initiative(db: Database, initiative_id: str, fields: dict):
    db[INITIATIVES].update_one({"_id": initiative_id}, {"$set": fields}, upsert=True)


def add_evening(db: Database, initiative_ids: list[str], meeting_id: str):
    ops = [UpdateOne({"_id": i}, {"$addToSet": {"evenings": meeting_id}}, upsert=True) for i in initiative_ids]
    if ops:
        db[INITIATIVES].bulk_write(ops, ordered=False)


def initiatives(db: Database) -> list[dict]:
    """All of them: matching weighs every initiative it knows."""
    return list(db[INITIATIVES].find({}))


def initiative(db: Database, initiative_id: str) -> dict | None:
    return db[INITIATIVES].find_one({"_id": initiative_id})


# Matches --------------------------------------------------------------------------------------------------

def start_matches(db: Database, meeting_id: str, doc: dict) -> dict:
    """Store an evening's proposals' outline (pairs, ``members``: person ids per part) once; returns the stored
    one (an earlier try's, if the close is handled again), so every part is made as the first try made it."""
    # Stored as [{person_ids}] per part: the store keeps no arrays directly inside arrays.
    stored = {**doc, "_id": meeting_id, "meeting_id": meeting_id,
              "members": [{"person_ids": ids} for ids in doc["members"]]}
    try:
        db[MATCHES].insert_one(stored)
    except DuplicateKeyError:
        stored = db[MATCHES].find_one({"_id": meeting_id}, {"outbox": 0})
    return {**stored, "members": [part["person_ids"] for part in stored.get("members") or []]}


def _part_id(meeting_id: str, part: int) -> str:
    return f"{_key(meeting_id)}/{part}"


def save_part(db: Database, meeting_id: str, part: int, residents: list[dict], events: list[dict]) -> bool:
    """Store one part of the proposals with its ``matches.proposed`` part; False if it was stored already.
    Residents are kept by person, each with ``answers``: role → null until they answer (so an answer or an
    erasure is one update of one field of one small document)."""
    by_person = {_key(r["person_id"]): {**r, "answers": {_key(s["role_id"]): None for s in r["suggestions"]}}
                 for r in residents}
    try:
        outbox.insert(db[PROPOSALS], {"_id": _part_id(meeting_id, part), "meeting_id": meeting_id, "part": part,
                                      "person_ids": [r["person_id"] for r in residents], "residents": by_person},
                      events)
        return True
    except DuplicateKeyError:
        return False


def matches_progress(db: Database, meeting_id: str) -> dict | None:
    """How far an evening's proposals are: None before the close made them, else ``{members, written}`` (the
    parts stored so far); an evening proposed all at once (before parts) counts as complete."""
    doc = db[MATCHES].find_one({"_id": meeting_id}, {"members": 1})
    if doc is None:
        return None
    if "members" not in doc:
        return {"members": [], "written": set(), "complete": True}
    written = {d["part"] for d in db[PROPOSALS].find({"meeting_id": meeting_id}, {"part": 1}) if "part" in d}
    return {"members": [part["person_ids"] for part in doc["members"]], "written": written,
            "complete": len(written) >= len(doc["members"])}


def has_matches(db: Database, meeting_id: str) -> bool:
    """Are the evening's proposals all made (every part stored)?"""
    progress = matches_progress(db, meeting_id)
    return bool(progress and progress["complete"])


def _resident_rows(residents: dict) -> list[dict]:
    return [{**r, "answers": {_unkey(k): v for k, v in (r.get("answers") or {}).items()}}
            for r in (residents or {}).values()]


def matches(db: Database, meeting_id: str) -> dict | None:
    """The proposals: ``{residents: [{person_id, suggestions, answers: {role_id: answer|None}}], initiatives,
    parts}``, residents in the order proposed."""
    doc = db[MATCHES].find_one({"_id": meeting_id}, {"outbox": 0, "members": 0})
    if doc is None:
        return None
    if "residents" in doc:  # proposed all at once, before parts
        return {**doc, "residents": _resident_rows(doc["residents"]), "parts": 1}
    parts = sorted((d for d in db[PROPOSALS].find({"meeting_id": meeting_id}, {"outbox": 0, "person_ids": 0,
                                                                               "members": 0, "initiatives": 0})
                    if "part" in d), key=lambda d: d["part"])
    return {**doc, "residents": [r for part in parts for r in _resident_rows(part.get("residents"))],
            "parts": len(parts)}


def resident_proposals(db: Database, meeting_id: str, person_id: str) -> dict | None:
    """One resident's row of an evening's proposals (``{person_id, suggestions, answers}``), found by the
    person (indexed), or in an evening proposed all at once; None if they have none."""
    key = _key(person_id)
    part = db[PROPOSALS].find_one({"person_ids": person_id, "meeting_id": meeting_id}, {"outbox": 0})
    doc = part or db[MATCHES].find_one({"_id": meeting_id}, {"outbox": 0, "members": 0})
    row = ((doc or {}).get("residents") or {}).get(key)
    return _resident_rows({key: row})[0] if row else None


def person_language(db: Database, person_id: str) -> str | None:
    doc = db[PEOPLE].find_one({"_id": person_id}, {"language": 1})
    return (doc or {}).get("language")


def record_answer(db: Database, answer: dict, events: list[dict]) -> bool | None:
    """Store a resident's answer to a suggestion with its event: True if it is a new answer, False if they had
    given this same answer already, None if there is no such suggestion (any more)."""
    field = f"residents.{_key(answer['person_id'])}.answers.{_key(answer['role_id'])}"
    meeting_id = answer["meeting_id"]
    # The part holding the person (found by them, indexed), or an evening proposed all at once.
    for collection, where in ((db[PROPOSALS], {"person_ids": answer["person_id"], "meeting_id": meeting_id}),
                              (db[MATCHES], {"_id": meeting_id})):
        new_answer = {**where, field: {"$exists": True, "$ne": answer["answer"]}}
        if _update_with_events(collection, new_answer, {"$set": {field: answer["answer"]}}, events):
            return True
        # Nothing changed: the same answer again, or no such suggestion here. One more read tells which.
        if collection.find_one({**where, field: {"$exists": True}}, {"_id": 1}) is not None:
            return False
    return None


# Erasure --------------------------------------------------------------------------------------------------

def is_erased(db: Database, person_id: str) -> bool:
    return db[ERASURES].find_one({"_id": person_id}, {"_id": 1}) is not None


def erase_person(db: Database, person_id: str):
    """Remove everything matching holds about one person, guided by the person's own document (which evenings,
    which table-mates, which companions); the tombstone comes first and the document goes last, so a crash
    halfway is simply redone and nothing arriving meanwhile writes them back."""
    key = _key(person_id)
    db[ERASURES].update_one({"_id": person_id}, {"$setOnInsert": {"erased_at": now()}}, upsert=True)
    person = db[PEOPLE].find_one({"_id": person_id}, {"meeting_ids": 1, "met": 1, "companion_ids": 1})
    if person is None:
        return  # already erased (or never known: the tombstone keeps them so)
    ops = [UpdateOne({"_id": _unkey(other)}, {"$unset": {f"met.{key}": ""}}) for other in person.get("met") or {}]
    ops += [UpdateOne({"_id": other}, {"$pull": {"companion_ids": person_id}})
            for other in person.get("companion_ids") or []]
    if ops:
        db[PEOPLE].bulk_write(ops, ordered=False)
    evenings = set(person.get("meeting_ids") or [])
    evenings.update(m for met in (person.get("met") or {}).values() for m in met)
    for meeting_id in evenings:
        # The seat goes but its place in the queue stays taken (``seating.count``), so no one else is put there.
        db[MEETINGS].update_one({"_id": meeting_id}, {"$unset": {f"interests.{key}": "", f"seating.members.{key}": "",
                                                                 f"seating.places.{key}": "",
                                                                 f"seating.undone.{key}": ""}})
        db[SEATS].delete_one({"_id": _seat_id(meeting_id, person_id)})
        db[MATCHES].update_one({"_id": meeting_id}, {"$unset": {f"residents.{key}": ""}})
        db[PROPOSALS].update_many({"person_ids": person_id, "meeting_id": meeting_id},
                                  {"$unset": {f"residents.{key}": ""}, "$pull": {"person_ids": person_id}})
        _forget_member(db, meeting_id, person_id)
    db[PEOPLE].delete_one({"_id": person_id})


def _forget_member(db: Database, meeting_id: str, person_id: str):
    """Take a person out of an evening's proposals outline (the list is written back: no nested ``$pull``)."""
    outline = db[MATCHES].find_one({"_id": meeting_id}, {"members": 1})
    members = (outline or {}).get("members")
    if members and any(person_id in part["person_ids"] for part in members):
        db[MATCHES].update_one({"_id": meeting_id}, {"$set": {"members": [
            {"person_ids": [p for p in part["person_ids"] if p != person_id]} for part in members]}})


def ping(client) -> bool:
    return mongo.is_reachable(client)
