"""The transactional outbox: a state change and the events it causes in one single-document write.

Events wait inside the changed document, under ``outbox.<event_id>``, with ``has_outbox: true`` (indexed:
``INDEX``). The relay finds pending documents with one indexed query, publishes their events to Kafka,
waits for the broker's acknowledgement, and only then removes them. A crash anywhere means republishing,
never losing; consumers recognise the duplicate by ``event_id``.

Clearing ``has_outbox`` must not race a writer adding events to the same document meanwhile. So the relay
first removes exactly the events it published (``$unset outbox.<id>``), then sets ``has_outbox: false``
with a filter that only matches an empty outbox: the check and the write are one atomic single-document
update, so an event added at any moment either keeps the flag true or sets it true again.
"""
import logging
import threading

from pymongo.collection import Collection
from pymongo.database import Database

from .kafka import publish

log = logging.getLogger(__name__)

INDEX = ([("has_outbox", 1)], {})


def new_document(doc: dict, events: list[dict]) -> dict:
    """A document to insert, carrying its events."""
    return {**doc, "outbox": {e["event_id"]: e for e in events}, "has_outbox": bool(events)}


def with_events(update: dict, events: list[dict]) -> dict:
    """Add ``events`` to an update document, e.g. ``with_events({"$set": {...}}, [event])``."""
    merged = {op: dict(args) for op, args in update.items()}
    if events:
        merged.setdefault("$set", {}).update({f"outbox.{e['event_id']}": e for e in events})
        merged["$set"]["has_outbox"] = True
    return merged


def insert(collection: Collection, doc: dict, events: list[dict]):
    """Insert ``doc`` with its events in one write (raises DuplicateKeyError as insert_one does)."""
    return collection.insert_one(new_document(doc, events))


def update(collection: Collection, doc_id, update_doc: dict, events: list[dict], **kwargs):
    """``find_one_and_update`` by ``_id`` carrying ``events``; returns what pymongo returns."""
    return collection.find_one_and_update({"_id": doc_id}, with_events(update_doc, events), **kwargs)


class OutboxRelay:
    """Publishes pending events, oldest first, then clears them from their documents."""

    def __init__(self, db: Database, collections: list[str], producer, topic: str, batch: int = 500):
        self.db = db
        self.collections = collections
        self.producer = producer
        self.topic = topic
        self.batch = batch

    def run_once(self) -> int:
        """Publish what is pending now; return how many events went out."""
        docs = [(name, doc) for name in self.collections
                for doc in self.db[name].find({"has_outbox": True}, {"outbox": 1}).limit(self.batch)]
        if not docs:
            return 0
        events = sorted(((name, doc["_id"], event) for name, doc in docs
                         for event in (doc.get("outbox") or {}).values()),
                        key=lambda item: item[2]["occurred_at"])
        futures = [publish(self.producer, self.topic, event) for _, _, event in events]
        if futures:
            self.producer.flush()
            for future in futures:
                future.get(timeout=30)  # raises if the broker refused: nothing is cleared, all will be retried
        published: dict[tuple, list[str]] = {(name, doc["_id"]): [] for name, doc in docs}
        for name, doc_id, event in events:
            published[(name, doc_id)].append(event["event_id"])
        for (name, doc_id), event_ids in published.items():
            self.forget(self.db[name], doc_id, event_ids)
            self.settle(self.db[name], doc_id)
        return len(events)

    @staticmethod
    def forget(collection: Collection, doc_id, event_ids: list[str]):
        """Remove the events the broker acknowledged, and only those: others may have arrived since."""
        if event_ids:
            collection.update_one({"_id": doc_id}, {"$unset": {f"outbox.{e}": "" for e in event_ids}})

    @staticmethod
    def settle(collection: Collection, doc_id):
        """No longer pending, if and only if the outbox is empty at this instant (one atomic update)."""
        if not collection.update_one({"_id": doc_id, "outbox": {}}, {"$set": {"has_outbox": False}}).matched_count:
            # A document flagged without any outbox at all (written by hand, say) must not stay found forever.
            collection.update_one({"_id": doc_id, "outbox": {"$exists": False}}, {"$set": {"has_outbox": False}})

    def run(self, stopping: threading.Event, interval_s: float = 0.02):
        while not stopping.is_set():
            try:
                sent = self.run_once()
            except Exception as exc:  # noqa: BLE001 - the broker or store away: try again shortly
                log.warning("outbox relay failed, will retry", extra={"error": repr(exc)})
                stopping.wait(1.0)
                continue
            if not sent:
                stopping.wait(interval_s)
