"""The transactional outbox: a state change and the events it causes in one single-document write.

Events wait inside the changed document, under ``outbox.<event_id>``, with ``has_outbox: true``. The relay
publishes them to Kafka, flushes, and only then removes them. A crash anywhere means republishing, never
losing; consumers recognise the duplicate by ``event_id``.
"""
import logging
import threading

from pymongo.database import Database

from .kafka import publish

log = logging.getLogger(__name__)

INDEX = ([("has_outbox", 1)], {})


def pending(events: list[dict]) -> dict:
    """Fields to ``$set`` (or to put in a new document) so ``events`` leave with the change."""
    fields = {f"outbox.{e['event_id']}": e for e in events}
    fields["has_outbox"] = True
    return fields


def new_document(doc: dict, events: list[dict]) -> dict:
    """A document to insert, carrying its events."""
    return {**doc, "outbox": {e["event_id"]: e for e in events}, "has_outbox": True}


def with_events(update: dict, events: list[dict]) -> dict:
    """Add ``events`` to an update document, e.g. ``with_events({"$set": {...}}, [event])``."""
    merged = {op: dict(args) for op, args in update.items()}
    merged.setdefault("$set", {}).update(pending(events))
    return merged


class OutboxRelay:
    """Publishes pending events from the given collections, oldest first, then clears them."""

    def __init__(self, db: Database, collections: list[str], producer, topic: str, batch: int = 500):
        self.db = db
        self.collections = collections
        self.producer = producer
        self.topic = topic
        self.batch = batch

    def run_once(self) -> int:
        """Publish what is pending now; return how many events went out."""
        docs = []
        for name in self.collections:
            for doc in self.db[name].find({"has_outbox": True}, {"outbox": 1}).limit(self.batch):
                docs.append((name, doc))
        if not docs:
            return 0
        events = [(name, doc["_id"], event) for name, doc in docs for event in (doc.get("outbox") or {}).values()]
        events.sort(key=lambda item: item[2]["occurred_at"])
        futures = [publish(self.producer, self.topic, event) for _, _, event in events]
        self.producer.flush()
        for future in futures:
            future.get(timeout=30)  # raises if the broker refused: nothing is cleared, all will be retried
        for name, doc_id, event in events:
            self.db[name].update_one({"_id": doc_id}, {"$unset": {f"outbox.{event['event_id']}": ""}})
        for name, doc in docs:
            # Only clear the flag if no new event arrived meanwhile.
            self.db[name].update_one({"_id": doc["_id"], "outbox": {}}, {"$set": {"has_outbox": False}})
        return len(events)

    def run(self, stopping: threading.Event, interval_s: float = 0.05):
        while not stopping.is_set():
            try:
                sent = self.run_once()
            except Exception as exc:  # noqa: BLE001 - the broker or store away: try again shortly
                log.warning("outbox relay failed, will retry", extra={"error": repr(exc)})
                stopping.wait(1.0)
                continue
            if not sent:
                stopping.wait(interval_s)
