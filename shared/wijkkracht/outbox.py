"""The transactional outbox: a state change and the events it causes in one single-document write.

Events wait inside the changed document, under ``outbox.<event_id>``, with ``has_outbox: true`` (indexed:
``INDEX``). The relay finds pending documents with one indexed query, publishes their events to Kafka,
waits for the broker's acknowledgement, and only then removes them. A crash anywhere means republishing,
never losing; consumers recognise the duplicate by ``event_id``.

Clearing ``has_outbox`` must not race a writer adding events to the same document meanwhile. When every
event read went out, one update clears them all with a filter that matches only the outbox exactly as read
(``outbox: <what was read>``), so an event added since makes it match nothing. Otherwise (or then) the relay
removes exactly the events it published (``$unset outbox.<id>``) and sets ``has_outbox: false`` with a
filter that only matches an empty outbox. Each check and its write are one atomic single-document update,
so an event added at any moment either keeps the flag true or sets it true again. (One update, not two, on
the document a busy writer keeps changing: the door's evening takes a seat per arrival.)

The relay looks every ``interval_s`` when idle, and at once when woken (``wake()``): the worker wakes it
after each event its consumer handled, so what a handler wrote leaves without waiting for the next look.

Events are published one by one and settled one by one: what the broker acknowledged is removed, what it
could not take just now (the broker away) stays pending and is tried again. An event the broker refuses for
good (too large: more than the producer's ``max_request_size`` or the broker's ``message.max.bytes``, both
one MiB; the relay measures before sending, since a broker's refusal breaks kafka-python's idempotent
producer for every later send) would otherwise block its document forever, so it is parked: moved to the ``parked_events`` collection (keyed by
event id, with where it came from and why), logged without its payload and counted in
``wijkkracht_outbox_events_parked_total``, while the rest flow.
"""
import datetime
import json
import logging
import threading

from kafka.errors import KafkaError, MessageSizeTooLargeError
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from .kafka import MAX_MESSAGE_BYTES, TOO_LARGE, publish
from .metrics import EVENTS_PARKED

log = logging.getLogger(__name__)

INDEX = ([("has_outbox", 1)], {})
PARKED = "parked_events"  # events the broker refused for good; the operator looks here (ids are event ids)


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


RECORD_OVERHEAD_BYTES = 512  # a record's headers, key length, batch header: generously


def record_bytes(event: dict) -> int:
    """The size of the record ``publish`` makes of an event (the producer's serialisers, plus overhead)."""
    return (len(json.dumps(event, separators=(",", ":")).encode("utf-8")) + len(event["key"].encode("utf-8"))
            + RECORD_OVERHEAD_BYTES)


class OutboxRelay:
    """Publishes pending events, oldest first, then clears them from their documents."""

    def __init__(self, db: Database, collections: list[str], producer, topic: str, batch: int = 500):
        self.db = db
        self.collections = collections
        self.producer = producer
        self.topic = topic
        self.batch = batch
        # Checked here, before sending: a broker's refusal would leave kafka-python's idempotent producer
        # failing every later send, so an event the broker would refuse must never reach it.
        producer_limit = (getattr(producer, "config", None) or {}).get("max_request_size", MAX_MESSAGE_BYTES)
        self.max_bytes = min(producer_limit, MAX_MESSAGE_BYTES)
        self.woken = threading.Event()

    def wake(self):
        """Look again now: something was (or may have been) written with events."""
        self.woken.set()

    def run_once(self) -> int:
        """Publish what is pending now; return how many events went out."""
        docs = [(name, doc) for name in self.collections
                for doc in self.db[name].find({"has_outbox": True}, {"outbox": 1}).limit(self.batch)]
        if not docs:
            return 0
        events = sorted(((name, doc["_id"], event) for name, doc in docs
                         for event in (doc.get("outbox") or {}).values()),
                        key=lambda item: item[2]["occurred_at"])
        sent = []  # (name, doc_id, event, future or the error send raised at once)
        failure = None
        for name, doc_id, event in events:
            size = record_bytes(event)
            if size > self.max_bytes:
                sent.append((name, doc_id, event, MessageSizeTooLargeError(f"{size} bytes over {self.max_bytes}")))
                continue
            try:
                sent.append((name, doc_id, event, publish(self.producer, self.topic, event)))
            except TOO_LARGE as exc:  # a record over max_request_size is refused before it is sent
                sent.append((name, doc_id, event, exc))
            except KafkaError as exc:  # no metadata: the broker is away, and so it is for the events after
                failure = exc
                break
        if sent:
            self.producer.flush()
        read = {(name, doc["_id"]): doc.get("outbox") for name, doc in docs}
        published: dict[tuple, list[str]] = {(name, doc["_id"]): [] for name, doc in docs}
        for name, doc_id, event, future in sent:
            try:
                if isinstance(future, Exception):
                    raise future
                future.get(timeout=30)
            except TOO_LARGE as exc:
                self.park(self.db[name], doc_id, event, exc)
                continue
            except Exception as exc:  # noqa: BLE001 - the broker away: this event stays pending, the rest settle
                failure = failure or exc
                continue
            published[(name, doc_id)].append(event["event_id"])
        for (name, doc_id), event_ids in published.items():
            outbox = read[(name, doc_id)]
            if outbox and len(event_ids) == len(outbox) and self.clear(self.db[name], doc_id, outbox):
                continue
            self.forget(self.db[name], doc_id, event_ids)
            self.settle(self.db[name], doc_id)
        if failure is not None:
            raise failure  # run() waits a moment before trying the pending ones again
        return sum(len(ids) for ids in published.values())

    def park(self, collection: Collection, doc_id, event: dict, exc: Exception):
        """Move an event the broker will never take out of the outbox, so the document's later events and
        everyone else's flow. Parked first, then removed: a crash in between parks it again (same _id)."""
        size = record_bytes(event)
        try:
            self.db[PARKED].insert_one({
                "_id": event["event_id"], "collection": collection.name, "document_id": doc_id,
                "topic": self.topic, "type": event.get("type"), "error": type(exc).__name__,
                "approx_bytes": size, "parked_at": datetime.datetime.now(datetime.timezone.utc), "event": event})
        except DuplicateKeyError:
            pass
        collection.update_one({"_id": doc_id}, {"$unset": {f"outbox.{event['event_id']}": ""}})
        EVENTS_PARKED.labels(event.get("type") or "unknown").inc()
        log.error("outbox event refused by the broker as too large, parked", extra={
            "event_id": event["event_id"], "type": event.get("type"), "collection": collection.name,
            "approx_bytes": size, "error": type(exc).__name__})

    @staticmethod
    def clear(collection: Collection, doc_id, outbox: dict) -> bool:
        """Remove every event and settle in one update, if the outbox is still exactly as read; else False."""
        return collection.update_one({"_id": doc_id, "outbox": outbox},
                                     {"$set": {"outbox": {}, "has_outbox": False}}).matched_count == 1

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
            self.woken.clear()  # a wake from now on (a write during this round) means another round
            try:
                sent = self.run_once()
            except Exception as exc:  # noqa: BLE001 - the broker or store away: try again shortly
                log.warning("outbox relay failed, will retry", extra={"error": repr(exc)})
                stopping.wait(1.0)
                continue
            if not sent and self.woken.wait(interval_s):
                self.woken.clear()
