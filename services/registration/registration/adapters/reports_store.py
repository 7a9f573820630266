"""The report's read model, kept from events (``report_events``) in registration's own database.

Every write is an idempotent ``$set`` (or ``$unset``) keyed by what the event is about (an evening, a person,
a registration, a delivery), so a redelivered event changes nothing and events of different keys may come in
any order. An evening's detail (``report_evenings``) is marked ``dirty`` by each change; the worker's settle
job then writes its ``report_digests``: what a series needs of it, small. The digests are also kept together
per ``bucket`` (the evening's year and area, "2027|Delfshaven"): one ``report_buckets`` document each, holding
its evenings' digests as one string (the store decodes a document field by field, a string at once), and one
directory document there says which bucket each evening is in. So a series of a hundred chosen evenings is
three reads by ``_id`` (the directory, then each year of its area) rather than a hundred (DESIGN §5: a report
in p95 under 300 ms).

No name, contact detail or postcode is kept here: person ids, areas of residence, table numbers and counts.
"""
import datetime as dt
import json
import uuid

from pymongo import ASCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError, OperationFailure

from wijkkracht import mongo

EVENINGS, DIGESTS = "report_evenings", "report_digests"
REGISTRATIONS, PEOPLE = "report_registrations", "report_people"
SUGGESTIONS, PAIRS, DELIVERIES = "report_suggestions", "report_pairs", "report_deliveries"
COLLABORATIONS = "collaborations"
BUCKETS, DIRECTORY = "report_buckets", "directory"  # the directory's _id has no "|": no bucket's

INDEXES = {
    EVENINGS: [([("dirty", ASCENDING)], {"name": "by_dirty"})],
    DIGESTS: [([("month", ASCENDING)], {"name": "by_month"}), ([("year", ASCENDING)], {"name": "by_year"}),
              ([("area", ASCENDING)], {"name": "by_area"})],
    REGISTRATIONS: [([("meeting_id", ASCENDING)], {"name": "by_meeting"})],
    PEOPLE: [([("meetings", ASCENDING)], {"name": "by_meeting"})],
    SUGGESTIONS: [([("meeting_id", ASCENDING)], {"name": "by_meeting"}),
                  ([("person_id", ASCENDING)], {"name": "by_person"})],
    PAIRS: [([("meeting_id", ASCENDING)], {"name": "by_meeting"})],
    DELIVERIES: [([("meeting_id", ASCENDING)], {"name": "by_meeting"}),
                 ([("person_id", ASCENDING)], {"name": "by_person"})],
    COLLABORATIONS: [([("initiative_ids", ASCENDING)], {"name": "by_initiative"})],
}
HEADER = {"title": 1, "starts_at": 1, "area": 1, "initiative_ids": 1, "status": 1}


def ensure_indexes(db: Database):
    mongo.ensure_indexes(db, INDEXES)


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def month_of(starts_at: dt.datetime) -> str:
    return starts_at.astimezone(dt.timezone.utc).strftime("%Y-%m")


def bucket_of(year: str, area: str) -> str:
    """The digests read together: an evening's year and area ("2027|Delfshaven")."""
    return f"{year}|{area}"


def _listed(meeting_id: str) -> bool:
    """Whether an id can be a field name of the directory (ours are hex; anything else is read by _id)."""
    return bool(meeting_id) and "." not in meeting_id and not meeting_id.startswith("$") and meeting_id.isprintable()


def _lines(text: str | None) -> dict[str, str]:
    """A bucket's or the directory's string: one "key<TAB>value" line per evening."""
    return dict(line.split("\t", 1) for line in (text or "").split("\n") if "\t" in line)


def _encoded(digest: dict) -> str:
    kept = {k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in digest.items()
            if k not in ("settled_at", "version")}
    return json.dumps(kept, separators=(",", ":"), ensure_ascii=False)


def _decoded(meeting_id: str, text: str) -> dict:
    digest = json.loads(text)
    if digest.get("starts_at"):
        digest["starts_at"] = dt.datetime.fromisoformat(digest["starts_at"])
    return _unpack({**digest, "_id": meeting_id})


def _pack(residents: dict[str, list[str]]) -> dict[str, str]:
    """A digest's residents per area as one string of ids each: read a hundred times per series report, and
    a document store decodes a string at once where it decodes a list element by element (a digest of 60
    residents read in about a third of the time)."""
    return {area: " ".join(people) for area, people in residents.items()}


def _unpack(digest: dict | None) -> dict | None:
    if digest is not None:
        digest["residents"] = {area: people.split() if isinstance(people, str) else list(people)
                               for area, people in (digest.get("residents") or {}).items()}
    return digest


class ReportStore:
    def __init__(self, db: Database):
        self.db = db

    # --- an evening's detail ------------------------------------------------------------------------------
    def change_evening(self, meeting_id: str, update: dict, event_id: str):
        """Apply ``update`` to the evening's detail and mark it for the settle job (``version``: which change)."""
        update = {op: dict(args) for op, args in update.items()}
        update.setdefault("$set", {}).update({"dirty": True, "version": event_id})
        self.db[EVENINGS].update_one({"_id": meeting_id}, update, upsert=True)

    def followed_up(self, meeting_id: str, key: str, outcome: str, at: dt.datetime, event_id: str):
        """An initiative's word on a volunteer ("person:initiative:role"): the latest one given counts, so an
        earlier answer delivered again (or late) never replaces a later one."""
        newer = {"$or": [{f"followups_at.{key}": {"$exists": False}}, {f"followups_at.{key}": {"$lt": at}}]}
        try:
            self.db[EVENINGS].update_one({"_id": meeting_id, **newer}, {"$set": {
                f"followups.{key}": outcome, f"followups_at.{key}": at, "dirty": True, "version": event_id}},
                upsert=True)
        except DuplicateKeyError:
            pass  # the evening holds a later answer already: the upsert found no match and could not insert

    def evening(self, meeting_id: str) -> dict | None:
        return self.db[EVENINGS].find_one({"_id": meeting_id})

    def evening_header(self, meeting_id: str) -> dict | None:
        return self.db[EVENINGS].find_one({"_id": meeting_id}, HEADER)

    def dirty_evenings(self, limit: int = 20) -> list[dict]:
        return list(self.db[EVENINGS].find({"dirty": True}).limit(limit))

    def settle(self, meeting_id: str, version: str, digest: dict):
        """The digest of the evening as it was at ``version``; clean only if nothing changed meanwhile."""
        packed = {**digest, "residents": _pack(digest.get("residents") or {})}
        if packed.get("year"):
            packed["bucket"] = bucket_of(packed["year"], packed.get("area") or "")
        self.db[DIGESTS].update_one({"_id": meeting_id}, {"$set": {**packed, "version": version,
                                                                    "settled_at": now()}}, upsert=True)
        if packed.get("bucket") and _listed(meeting_id):
            self.file({meeting_id: {**packed, "_id": meeting_id}})
        self.db[EVENINGS].update_one({"_id": meeting_id, "version": version}, {"$set": {"dirty": False}})

    # --- people at tables (for encounters) ---------------------------------------------------------------
    def seat(self, person_id: str, meeting_id: str, table: int | None):
        if table is None:
            self.db[PEOPLE].update_one({"_id": person_id}, {"$unset": {f"seats.{meeting_id}": ""},
                                                            "$pull": {"meetings": meeting_id}})
        else:
            self.db[PEOPLE].update_one({"_id": person_id}, {"$set": {f"seats.{meeting_id}": table},
                                                            "$addToSet": {"meetings": meeting_id}}, upsert=True)

    def seats_at(self, meeting_id: str) -> dict[str, dict[str, int]]:
        """Person → {evening → table} for everyone seated at ``meeting_id``."""
        return {p["_id"]: p.get("seats") or {} for p in self.db[PEOPLE].find({"meetings": meeting_id})}

    # --- registrations -------------------------------------------------------------------------------------
    def registration_seen(self, registration_id: str, fields: dict):
        self.db[REGISTRATIONS].update_one({"_id": registration_id}, {"$set": fields}, upsert=True)

    def registration(self, registration_id: str | None) -> dict | None:
        return self.db[REGISTRATIONS].find_one({"_id": registration_id}) if registration_id else None

    def registrations(self, meeting_id: str) -> list[dict]:
        return list(self.db[REGISTRATIONS].find({"meeting_id": meeting_id}))

    # --- what matching proposed ----------------------------------------------------------------------------
    def suggested(self, meeting_id: str, person_id: str, suggestions: list[dict]):
        self.db[SUGGESTIONS].update_one({"_id": f"{meeting_id}:{person_id}"}, {"$set": {
            "meeting_id": meeting_id, "person_id": person_id, "suggestions": suggestions}}, upsert=True)

    def suggestions(self, meeting_id: str) -> list[dict]:
        return list(self.db[SUGGESTIONS].find({"meeting_id": meeting_id}))

    def paired(self, meeting_id: str, pair: dict):
        ids = sorted(pair["initiative_ids"])[:2]
        self.db[PAIRS].update_one({"_id": ":".join([meeting_id, *ids])}, {"$set": {
            "meeting_id": meeting_id, "initiative_ids": ids, "score": pair.get("score"),
            "reasons": pair.get("reasons") or {}}}, upsert=True)

    def pairs(self, meeting_id: str) -> list[dict]:
        return list(self.db[PAIRS].find({"meeting_id": meeting_id}))

    def count_pairs(self, meeting_id: str) -> int:
        return self.db[PAIRS].count_documents({"meeting_id": meeting_id})

    # --- what became of messages ---------------------------------------------------------------------------
    def delivery_outcome(self, delivery_id: str, fields: dict, at: dt.datetime):
        """The newest outcome wins (a message marked sent may still fail, or be sent again after a retry). Most
        deliveries have one outcome: one insert; a later one replaces an earlier one, never the reverse."""
        try:
            self.db[DELIVERIES].insert_one({"_id": delivery_id, **fields, "at": at})
        except DuplicateKeyError:
            self.db[DELIVERIES].update_one({"_id": delivery_id, "at": {"$lt": at}}, {"$set": {**fields, "at": at}})

    def deliveries(self, meeting_id: str) -> list[dict]:
        return list(self.db[DELIVERIES].find({"meeting_id": meeting_id}))

    # --- erasure ------------------------------------------------------------------------------------------
    def forget_person(self, person_id: str):
        """What was said about a person goes; what they are counted in stays (person ids only)."""
        for doc in self.db[SUGGESTIONS].find({"person_id": person_id}, {"suggestions": 1}):
            kept = [{"initiative_id": s["initiative_id"], "role_id": s.get("role_id")}
                    for s in doc.get("suggestions") or []]
            self.db[SUGGESTIONS].update_one({"_id": doc["_id"]}, {"$set": {"suggestions": kept, "erased": True}})
        self.db[DELIVERIES].update_many({"person_id": person_id}, {"$set": {"person_id": None}})

    # --- digests ------------------------------------------------------------------------------------------
    def digest(self, meeting_id: str) -> dict | None:
        return _unpack(self.db[DIGESTS].find_one({"_id": meeting_id}))

    def digests_of(self, bucket: str, value: str, area: str | None = None) -> list[dict]:
        """The digests of a ``month`` ("2027-03") or ``year`` ("2027"), of one area or all."""
        return [_unpack(d) for d in self.db[DIGESTS].find({bucket: value, **({"area": area} if area else {})})]

    def digests_in(self, bucket: str) -> list[dict]:
        """The digests of one ``bucket_of`` (an area's evenings of one year): one read by ``_id``."""
        doc = self.db[BUCKETS].find_one({"_id": bucket}) or {}
        return [_decoded(m, text) for m, text in _lines(doc.get("lines")).items()]

    def buckets(self) -> dict[str, str]:
        """Evening id → its bucket, for every settled evening (one read)."""
        return _lines((self.db[BUCKETS].find_one({"_id": DIRECTORY}) or {}).get("lines"))

    def _rewrite(self, doc_id: str, change: dict[str, str | None]):
        """Set (or, for None, remove) lines of a bucket or the directory: written only over the version read,
        so two writers never lose each other's lines."""
        for _ in range(50):
            doc = self.db[BUCKETS].find_one({"_id": doc_id})
            lines = _lines(doc.get("lines") if doc else None)
            wanted = {**lines, **{k: v for k, v in change.items() if v is not None}}
            for k in [k for k, v in change.items() if v is None]:
                wanted.pop(k, None)
            if wanted == lines:
                return
            text = "\n".join(f"{k}\t{v}" for k, v in sorted(wanted.items()))
            version = uuid.uuid4().hex
            if doc is None:
                try:
                    self.db[BUCKETS].insert_one({"_id": doc_id, "lines": text, "version": version})
                    return
                except (DuplicateKeyError, OperationFailure):
                    continue
            if self.db[BUCKETS].update_one({"_id": doc_id, "version": doc.get("version")},
                                           {"$set": {"lines": text, "version": version}}).matched_count:
                return
        raise RuntimeError(f"report bucket {doc_id!r} kept changing")

    def file(self, digests: dict[str, dict]):
        """Put settled digests (packed, with their ``bucket``) in their buckets, out of any other, and the
        directory."""
        listed = self.buckets()
        by_bucket: dict[str, dict] = {}
        for meeting_id, d in digests.items():
            old = listed.get(meeting_id)
            if old and old != d["bucket"]:
                by_bucket.setdefault(old, {})[meeting_id] = None
            by_bucket.setdefault(d["bucket"], {})[meeting_id] = _encoded(d)
        for bucket, change in by_bucket.items():
            self._rewrite(bucket, change)
        moved = {m: d["bucket"] for m, d in digests.items() if listed.get(m) != d["bucket"]}
        if moved:
            self._rewrite(DIRECTORY, moved)

    def mend_directory(self) -> int:
        """Digests settled before the buckets existed get theirs (run when the worker starts; reads every digest
        once). Returns how many were filed."""
        listed, missing = self.buckets(), {}
        for d in self.db[DIGESTS].find({}):
            if not d.get("starts_at") or not _listed(d["_id"]):
                continue
            starts_at = d["starts_at"] if d["starts_at"].tzinfo else d["starts_at"].replace(tzinfo=dt.timezone.utc)
            year = month_of(starts_at)[:4]
            bucket = bucket_of(year, d.get("area") or "")
            if d.get("year") != year or d.get("bucket") != bucket:
                self.db[DIGESTS].update_one({"_id": d["_id"]}, {"$set": {"year": year, "bucket": bucket}})
            if listed.get(d["_id"]) != bucket:
                missing[d["_id"]] = {**d, "year": year, "bucket": bucket}
        if missing:
            self.file(missing)
        return len(missing)

    def starts_of(self, meeting_ids: set[str]) -> dict[str, dt.datetime]:
        found = {}
        for meeting_id in meeting_ids:
            doc = self.db[EVENINGS].find_one({"_id": meeting_id}, {"starts_at": 1})
            if doc and doc.get("starts_at"):
                found[meeting_id] = doc["starts_at"]
        return found

    # --- collaborations -----------------------------------------------------------------------------------
    def insert_collaboration(self, doc: dict):
        self.db[COLLABORATIONS].insert_one(doc)

    def collaborations(self, initiative_id: str | None = None, limit: int = 2000) -> list[dict]:
        query = {"initiative_ids": initiative_id} if initiative_id else {}
        return list(self.db[COLLABORATIONS].find(query).limit(limit))
