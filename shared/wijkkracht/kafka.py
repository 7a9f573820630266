"""Kafka producer and the consumer loop every worker runs.

The producer is idempotent with acks=all (kafka-python 3's defaults, which we never override). The consumer
commits offsets only after a message's effect is durable and finishes the message in hand on SIGTERM.

Failures come in two kinds. A transient one (the store or the broker away, a timeout) says nothing about the
message: the consumer keeps it, pauses its partitions and keeps polling (so the group keeps it as a member and
max.poll.interval holds) while it retries with capped backoff, for as long as the dependency stays away. Only
a deterministic failure (an invalid message, a handler's own error that repeats) goes to the dead-letter
topic, with the error; ``python -m wijkkracht.replay <topic>.dlq`` puts those back once fixed.
"""
import json
import logging
import random
import threading
import time
import traceback
from typing import Callable

import requests
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError, MessageSizeTooLargeError, RecordListTooLargeError
from kafka.structs import OffsetAndMetadata
from pymongo.errors import ConnectionFailure, ExecutionTimeout, OperationFailure, WTimeoutError

from . import config, topics
from .events import Event, InvalidEvent, is_known, parse_event, utcnow_iso
from .metrics import EVENTS_CONSUMED, EVENTS_DEAD_LETTERED, EVENTS_PUBLISHED, EVENTS_HELD

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 1_048_576
DEAD_LETTER_MESSAGE_BYTES = MAX_MESSAGE_BYTES // 2


def make_producer(service: str) -> KafkaProducer:
    """An idempotent producer. Leave acks, retries and in-flight limits unset: setting them can silently
    turn idempotence off (a test asserts it stays on)."""
    return KafkaProducer(
        bootstrap_servers=config.kafka_bootstrap_servers(service),
        client_id=f"{service}-producer",
        enable_idempotence=True,
        key_serializer=lambda k: k.encode("utf-8"),
        value_serializer=lambda v: json.dumps(v, separators=(",", ":")).encode("utf-8"),
        linger_ms=config.int_setting("KAFKA_LINGER_MS", service, 2),
        # Set on purpose, one MiB, matching the broker's message.max.bytes (deploy/local/kafka_broker.py):
        # an event larger than this is refused at once and its outbox parks it (outbox.py); events that grow
        # with attendance are split so that one stays far below it.
        max_request_size=config.int_setting("KAFKA_MAX_REQUEST_BYTES", service, MAX_MESSAGE_BYTES),
    )


def publish(producer: KafkaProducer, topic: str, envelope: dict):
    """Send one envelope; returns the future. Call ``producer.flush()`` once per batch, not per message."""
    EVENTS_PUBLISHED.labels(envelope["type"]).inc()
    return producer.send(topic, key=envelope["key"], value=envelope)


def make_consumer(service: str, topic_names: list[str]) -> KafkaConsumer:
    """One consumer group per service name, the same on every replica; offsets committed by hand.

    The cluster's metadata is loaded before the consumer joins its group: kafka-python's assignor hands a
    member no partitions at all when it joins without the topics' metadata ("No partition metadata for
    topic", dpkp/kafka-python#2377), and the worker would then idle forever.
    """
    consumer = KafkaConsumer(
        bootstrap_servers=config.kafka_bootstrap_servers(service),
        group_id=config.setting("CONSUMER_GROUP", service, service),
        client_id=f"{service}-consumer-{'-'.join(t.rsplit('.', 1)[-1] for t in topic_names)}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=config.int_setting("KAFKA_MAX_POLL_RECORDS", service, 200),
        # A replica that dies (SIGKILL, a lost host) hands its partitions to the others after this long;
        # heartbeats come from kafka-python's own thread, so a message held for minutes does not count.
        session_timeout_ms=config.int_setting("KAFKA_SESSION_TIMEOUT_MS", service, 10000),
        heartbeat_interval_ms=config.int_setting("KAFKA_HEARTBEAT_INTERVAL_MS", service, 3000),
    )
    consumer.topics()
    consumer.subscribe(topic_names)
    return consumer


Handler = Callable[[Event], None]


def mend_rejoin(consumer: KafkaConsumer) -> KafkaConsumer:
    """kafka-python 3.0.12 lacks KAFKA-9815: a rejoin it starts because a subscribed topic's partitions changed
    is forgotten once its own assignment has caught up with the metadata, if the join is still in flight when a
    short poll returns — the member then stays "rebalancing" for good: no records, every commit refused. Here,
    as in the Java client since that fix, such a rejoin is requested for real, so it is seen through."""
    coordinator = getattr(consumer, "_coordinator", None)
    if coordinator is None or getattr(coordinator, "_wijkkracht_mended", False):
        return consumer
    needs = coordinator.need_rejoin

    def need_rejoin() -> bool:
        if needs():
            coordinator.request_rejoin()
            return True
        return False

    coordinator.need_rejoin = need_rejoin
    coordinator._wijkkracht_mended = True
    return consumer


class Retry(Exception):
    """Raise from a handler for a fault worth retrying until it passes (e.g. the store briefly away, or a
    contended document); the message is kept and retried with backoff, never dead-lettered."""


# MongoDB's codes for "not now": shutting down, stepping down, interrupted, a time limit, a host away.
TRANSIENT_STORE_CODES = frozenset({6, 7, 50, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436})
TRANSIENT_HTTP_STATUSES = frozenset({408, 425, 429, 502, 503, 504})
# Refusals that repeat however often the same message is sent.
TOO_LARGE = (MessageSizeTooLargeError, RecordListTooLargeError)


def is_transient(exc: BaseException) -> bool:
    """True for a failure of a dependency rather than of the message: retrying later can succeed."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, Retry):
            return True
        if isinstance(exc, KafkaError):
            return not isinstance(exc, TOO_LARGE)
        if isinstance(exc, (ConnectionFailure, ExecutionTimeout, WTimeoutError)):
            return True  # AutoReconnect, NetworkTimeout, ServerSelectionTimeoutError, NotPrimaryError...
        if isinstance(exc, OperationFailure):
            return exc.code in TRANSIENT_STORE_CODES or exc.has_error_label("RetryableWriteError")
        if isinstance(exc, (TimeoutError, ConnectionError)):
            return True
        if isinstance(exc, (requests.ConnectionError, requests.Timeout)):
            return True  # a service or provider called over HTTP that is away or slow
        status = getattr(getattr(exc, "response", None), "status_code", None)
        if status in TRANSIENT_HTTP_STATUSES:
            return True  # its 503 (or 429, 502, 504): try again later, as it asks
        # A handler that wraps a store or broker error in its own keeps the cause.
        exc, seen = exc.__cause__, seen + 1
    return False


class Backoff:
    """0.5 s doubling to a cap, with jitter so replicas do not knock on the store in step."""

    def __init__(self, first_s: float, cap_s: float):
        self.first_s, self.cap_s, self.attempt = first_s, cap_s, 0

    def next_delay(self) -> float:
        delay = min(self.cap_s, self.first_s * (2 ** self.attempt)) * (0.75 + random.random() / 2)
        self.attempt += 1
        return delay


class LostPartition(Exception):
    """The partition of the message we were holding went to another member during a rebalance: start over
    from the committed offsets, whoever has the partition now handles the message."""


class ConsumerLoop:
    """Consume, validate, dispatch to handlers, commit; poison messages go to the DLQ and the partition moves on.

    ``dispatch(event)`` must make its effect durable (keyed by ``event.event_id``) before returning; the
    offset is committed only afterwards, so a crash means redelivery, which the effect's key absorbs.

    ``dispatch_run(events)``, where given, takes a run of consecutive messages of one partition whose types
    are in ``run_types`` (the door's check-ins queued behind a slow one, say) and handles them together, each
    effect as durable and idempotent as one by one; if it raises, the run's messages are handled one by one
    as above (held, retried, dead-lettered each on its own), so a run never changes what happens, only how
    fast a queue drains.
    """

    MAX_RUN = 50

    def __init__(self, service: str, topic_names: list[str], dispatch: Handler, producer: KafkaProducer,
                 max_attempts: int | None = None, backoff_s: float | None = None,
                 consumer_factory=make_consumer, hold_first_s: float | None = None,
                 hold_cap_s: float | None = None, dispatch_run: Callable[[list[Event]], None] | None = None,
                 run_types: frozenset[str] = frozenset()):
        self.service = service
        self.dispatch_run = dispatch_run
        self.run_types = run_types if dispatch_run else frozenset()
        self.topic_names = topic_names
        self.dispatch = dispatch
        self.producer = producer
        self.max_attempts = max_attempts or config.int_setting("CONSUMER_MAX_ATTEMPTS", service, 5)
        self.backoff_s = backoff_s if backoff_s is not None else config.float_setting(
            "CONSUMER_BACKOFF_S", service, 0.2)
        self.hold_first_s = hold_first_s if hold_first_s is not None else config.float_setting(
            "CONSUMER_HOLD_FIRST_S", service, 0.5)
        # Capped low enough that the stream flows again within seconds of the dependency's return.
        self.hold_cap_s = hold_cap_s if hold_cap_s is not None else config.float_setting(
            "CONSUMER_HOLD_CAP_S", service, 5.0)
        self.consumer_factory = consumer_factory
        self.stopping = threading.Event()

    def stop(self):
        self.stopping.set()

    def run(self):
        """Until ``stop()``: a broker outage (a Kafka restart, say) means a fresh consumer after a pause,
        never a dead worker; whatever was not committed is simply delivered again."""
        while not self.stopping.is_set():
            try:
                consumer = self.consumer_factory(self.service, self.topic_names)
            except KafkaError as exc:
                log.warning("cannot reach Kafka, will retry", extra={"error": repr(exc)})
                self.stopping.wait(2.0)
                continue
            mend_rejoin(consumer)
            try:
                self.consume(consumer)
            except KafkaError as exc:
                log.warning("lost Kafka, reconnecting", extra={"error": repr(exc)})
                self.stopping.wait(2.0)
            except LostPartition as exc:
                log.warning("partition reassigned while holding a message, rejoining", extra={"error": str(exc)})
            finally:
                try:
                    consumer.close(autocommit=False)
                except Exception:  # noqa: BLE001 - closing a consumer whose broker is gone
                    pass

    def consume(self, consumer: KafkaConsumer):
        while not self.stopping.is_set():
            batches = consumer.poll(timeout_ms=200)
            handled: dict[TopicPartition, OffsetAndMetadata] = {}
            try:
                for tp, records in batches.items():
                    at, alone_until = 0, 0
                    while at < len(records):
                        taken = self.handle_run(records, at) if at >= alone_until else 0
                        if taken < 0:  # the run failed: its messages one by one
                            alone_until, taken = at - taken, 0
                        if not taken:
                            self.handle_record(records[at], consumer)
                            taken = 1
                        at += taken
                        handled[TopicPartition(tp.topic, tp.partition)] = OffsetAndMetadata(
                            records[at - 1].offset + 1, None, -1)
                        if self.stopping.is_set():
                            return
            finally:
                # Once per polled batch, for the messages whose effect is durable: a crash costs at most the
                # redelivery of one batch, which the effects' keys absorb; a commit per message would cost a
                # broker round trip each.
                if handled:
                    consumer.commit(handled)

    def handle_run(self, records: list, at: int) -> int:
        """Handle ``records[at:]``'s leading run of ``run_types`` together; how many it took (0: no run
        there; minus the run's length: it failed, and its messages are to be handled one by one)."""
        if not self.run_types:
            return 0
        events = []
        for record in records[at:at + self.MAX_RUN]:
            try:
                raw = json.loads(record.value)
                if not (isinstance(raw, dict) and raw.get("type") in self.run_types):
                    break
                event = parse_event(raw)
            except (ValueError, InvalidEvent):
                break  # handle_record dead-letters it in turn
            if events and event.type != events[0].type:
                break
            events.append(event)
        if len(events) < 2:
            return 0
        try:
            self.dispatch_run(events)
        except Exception as exc:  # noqa: BLE001 - each is handled on its own now, with the usual care
            log.info("run of messages failed, handling them one by one", extra={
                "type": events[0].type, "messages": len(events), "error": repr(exc)[:300]})
            return -len(events)
        for event in events:
            EVENTS_CONSUMED.labels(event.type).inc()
        return len(events)

    def handle_record(self, record, consumer: KafkaConsumer | None = None):
        try:
            raw = json.loads(record.value)
            if isinstance(raw, dict) and raw.get("type") and not is_known(raw["type"]):
                return  # a newer producer's event type this service has never heard of: not ours to judge
            event = parse_event(raw)
        except (ValueError, InvalidEvent) as exc:
            self.dead_letter(record, f"invalid: {exc}")
            return
        EVENTS_CONSUMED.labels(event.type).inc()
        failures = 0  # deterministic ones; transient ones do not count towards the dead-letter topic
        backoff = Backoff(self.hold_first_s, self.hold_cap_s)
        held = False
        try:
            while True:
                try:
                    self.dispatch(event)
                    return
                except Exception as exc:  # noqa: BLE001 - classified below: held, retried or dead-lettered
                    if is_transient(exc):
                        delay = backoff.next_delay()
                        if not held:
                            held = True
                            EVENTS_HELD.labels(record.topic).inc()
                            self.pause(consumer)
                        log.warning("dependency away, holding the message", extra={
                            **event.log_fields(), "attempt": backoff.attempt, "error": repr(exc)[:300],
                            "delay_s": round(delay, 3)})
                        self.wait_holding(consumer, record, delay)
                        continue
                    failures += 1
                    if failures >= self.max_attempts:
                        log.error("handler failed, dead-lettering", extra={**event.log_fields(),
                                                                           "attempts": failures,
                                                                           "error": repr(exc)[:300]})
                        self.dead_letter(record, "".join(traceback.format_exception_only(exc)).strip())
                        return
                    delay = self.backoff_s * (2 ** (failures - 1)) * (0.5 + random.random())
                    log.warning("handler failed, retrying", extra={**event.log_fields(), "attempt": failures,
                                                                   "error": repr(exc)[:300],
                                                                   "delay_s": round(delay, 3)})
                    if self.stopping.wait(delay):
                        raise SystemExit("stopping during retry; message will be redelivered")
        finally:
            if held:
                self.resume(consumer)

    @staticmethod
    def pause(consumer: KafkaConsumer | None):
        """Stop fetching while we hold a message: what was fetched but not handed to us is fetched again
        from the position on resume, and the records of this poll already in hand are finished in order."""
        if consumer is not None:
            consumer.pause(*consumer.assignment())

    @staticmethod
    def resume(consumer: KafkaConsumer | None):
        if consumer is not None:
            try:
                consumer.resume(*consumer.paused())
            except Exception:  # noqa: BLE001 - the consumer is being replaced anyway
                pass

    def wait_holding(self, consumer: KafkaConsumer | None, record, delay_s: float):
        """Wait out a backoff while polling the paused consumer: the group keeps us as a member (heartbeats,
        max.poll.interval) and a rebalance is noticed, not slept through."""
        deadline = time.monotonic() + delay_s
        tp = TopicPartition(record.topic, record.partition)
        while True:
            if self.stopping.is_set():
                raise SystemExit("stopping while holding a message; it will be redelivered")
            left = deadline - time.monotonic()
            if left <= 0:
                return
            if consumer is None:
                self.stopping.wait(left)
                continue
            stray = consumer.poll(timeout_ms=int(min(left, 0.5) * 1000) or 1)
            if tp not in consumer.assignment() or any(stray.values()):
                # Reassigned (or a rebalance handed us fresh, unpaused partitions): our in-hand batch is
                # no longer ours to finish in order.
                raise LostPartition(f"{record.topic}[{record.partition}]")
            consumer.pause(*consumer.assignment())  # a rebalance hands partitions back unpaused

    def dead_letter(self, record, reason: str):
        """Park a message we cannot handle, with why, and move on. Flushed: the offset commit follows."""
        EVENTS_DEAD_LETTERED.labels(record.topic).inc()
        value = {
            "failed_at": utcnow_iso(),
            "consumer": self.service,
            "source": {"topic": record.topic, "partition": record.partition, "offset": record.offset},
            "error": reason[:2000],
            "message": record.value.decode("utf-8", errors="replace"),
        }
        if len(record.value) > DEAD_LETTER_MESSAGE_BYTES:
            # The letter must fit the broker's limit too, or the partition would stall on it: keep where the
            # original is (source) and its start; the replay leaves such a letter for the operator.
            value["message"] = value["message"][:DEAD_LETTER_MESSAGE_BYTES // 4]
            value["message_truncated"] = True
        key = record.key.decode("utf-8", errors="replace") if record.key else "unknown"
        self.producer.send(topics.dlq(record.topic), key=key, value=value).get(timeout=30)
        log.error("dead-lettered", extra={"topic": record.topic, "offset": record.offset, "error": reason[:300]})


def wait_for(predicate: Callable[[], bool], timeout_s: float, interval_s: float = 0.05) -> bool:
    """Poll ``predicate`` until true or the deadline passes."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval_s)
    return predicate()
