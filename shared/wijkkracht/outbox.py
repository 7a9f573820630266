"""The transactional outbox: a state change and the events it causes in one single-document write.

Events wait inside the changed document, under ``outbox.<event_id>``, with ``has_outbox: true``. The relay
publishes them to Kafka, flushes, and only then removes them. A crash anywhere means republishing, never
losing; consumers recognise the duplicate by ``event_id``.

Finding pending documents cheaply: FerretDB v1 (SQLite) pushes only ``{"_id": ...}`` filters down to the
database and scans every other query in full, so the relay does not poll the collections. After the atomic
write, ``insert``/``update`` add a small *hint* (collection + id) to ``outbox_hints``; the relay reads the
hints, fetches those documents by ``_id`` and deletes the hints. A hint lost to a crash between the two
writes only delays the events: a full sweep of the collections (at start and every ``sweep_s``) finds them.
The sweep reads every document that ever carried events (``has_outbox`` stays true: clearing it safely
would need a filter FerretDB scans for), so services keep hot outbox collections small (archive them).
"""
import logging
import threading
import time
import uuid

from pymongo.collection import Collection
from pymongo.database import Database

from .kafka import publish

log = logging.getLogger(__name__)

HINTS = "outbox_hints"
INDEX = ([("has_outbox", 1)], {})


def new_document(doc: dict, events: list[dict]) -> dict:
    """A document to insert, carrying its events."""
    return {**doc, "outbox": {e["event_id"]: e for e in events}, "has_outbox": True}


def with_events(update: dict, events: list[dict]) -> dict:
    """Add ``events`` to an update document, e.g. ``with_events({"$set": {...}}, [event])``."""
    merged = {op: dict(args) for op, args in update.items()}
    merged.setdefault("$set", {}).update({f"outbox.{e['event_id']}": e for e in events})
    merged["$set"]["has_outbox"] = True
    return merged


def hint(collection: Collection, doc_id) -> None:
    """Tell the relay where new events wait. Best effort: the sweep finds what a lost hint would have."""
    try:
        collection.database[HINTS].insert_one({"_id": uuid.uuid4().hex, "c": collection.name, "d": doc_id})
    except Exception as exc:  # noqa: BLE001 - the change and its events are already stored
        log.warning("outbox hint not written; the sweep will find the events", extra={"error": repr(exc)})


def insert(collection: Collection, doc: dict, events: list[dict]):
    """Insert ``doc`` with its events in one write (raises DuplicateKeyError as insert_one does)."""
    result = collection.insert_one(new_document(doc, events))
    if events:
        hint(collection, result.inserted_id)
    return result


def update(collection: Collection, doc_id, update_doc: dict, events: list[dict], **kwargs):
    """``find_one_and_update`` by ``_id`` carrying ``events``; returns what pymongo returns."""
    found = collection.find_one_and_update({"_id": doc_id}, with_events(update_doc, events), **kwargs)
    if events and found is not None:
        hint(collection, doc_id)
    return found


class OutboxRelay:
    """Publishes pending events, oldest first, then clears them from their documents."""

    def __init__(self, db: Database, collections: list[str], producer, topic: str, batch: int = 500,
                 sweep_s: float = 120.0):
        self.db = db
        self.collections = collections
        self.producer = producer
        self.topic = topic
        self.batch = batch
        self.sweep_s = sweep_s
        self.last_sweep = 0.0

    def run_once(self) -> int:
        """Publish what is pending now (hinted, or everything on a sweep); return how many events went out."""
        if time.monotonic() - self.last_sweep >= self.sweep_s:
            self.last_sweep = time.monotonic()
            return self.sweep()
        hints = list(self.db[HINTS].find({}).limit(self.batch))
        if not hints:
            return 0
        docs = {}
        for h in hints:
            if h["c"] in self.collections and (h["c"], h["d"]) not in docs:
                doc = self.db[h["c"]].find_one({"_id": h["d"]})
                if doc is not None:
                    docs[(h["c"], h["d"])] = doc
        sent = self.publish(list(docs.items()))
        for h in hints:
            self.db[HINTS].delete_one({"_id": h["_id"]})
        return sent

    def sweep(self) -> int:
        """Every document still carrying events, in every collection: the safety net for lost hints."""
        docs = []
        for name in self.collections:
            for doc in self.db[name].find({"has_outbox": True}, {"outbox": 1}):
                if doc.get("outbox"):
                    docs.append(((name, doc["_id"]), doc))
        return self.publish(docs)

    def publish(self, docs: list) -> int:
        events = [(name, doc_id, event) for (name, doc_id), doc in docs
                  for event in (doc.get("outbox") or {}).values()]
        if not events:
            return 0
        events.sort(key=lambda item: item[2]["occurred_at"])
        futures = [publish(self.producer, self.topic, event) for _, _, event in events]
        self.producer.flush()
        for future in futures:
            future.get(timeout=30)  # raises if the broker refused: nothing is cleared, all will be retried
        cleared = {}
        for name, doc_id, event in events:
            cleared.setdefault((name, doc_id), {})[f"outbox.{event['event_id']}"] = ""
        for (name, doc_id), fields in cleared.items():
            # By _id alone (the only filter FerretDB pushes down); has_outbox stays true for the sweep.
            self.db[name].update_one({"_id": doc_id}, {"$unset": fields})
        return len(events)

    def run(self, stopping: threading.Event, interval_s: float = 0.02):
        while not stopping.is_set():
            try:
                sent = self.run_once()
            except Exception as exc:  # noqa: BLE001 - the broker or store away: try again shortly
                log.warning("outbox relay failed, will retry", extra={"error": repr(exc)})
                self.last_sweep = 0.0  # after a failure, sweep: hints may have been deleted unpublished
                stopping.wait(1.0)
                continue
            if not sent:
                stopping.wait(interval_s)
