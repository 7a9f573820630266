"""Kafka producer and the consumer loop every worker runs.

The producer is idempotent with acks=all (kafka-python 3's defaults, which we never override). The consumer
commits offsets only after a message's effect is durable, retries with backoff, sends what it cannot handle
to the dead-letter topic with the error, and finishes the message in hand on SIGTERM.
"""
import json
import logging
import random
import threading
import time
import traceback
from typing import Callable

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from . import config, topics
from .events import Event, InvalidEvent, is_known, parse_event, utcnow_iso
from .metrics import EVENTS_CONSUMED, EVENTS_DEAD_LETTERED, EVENTS_PUBLISHED

log = logging.getLogger(__name__)


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
        client_id=f"{service}-consumer",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=config.int_setting("KAFKA_MAX_POLL_RECORDS", service, 200),
    )
    consumer.topics()
    consumer.subscribe(topic_names)
    return consumer


Handler = Callable[[Event], None]


class Retry(Exception):
    """Raise from a handler for a fault worth retrying (e.g. the store briefly away)."""


class ConsumerLoop:
    """Consume, validate, dispatch to handlers, commit; poison messages go to the DLQ and the partition moves on.

    ``dispatch(event)`` must make its effect durable (keyed by ``event.event_id``) before returning; the
    offset is committed only afterwards, so a crash means redelivery, which the effect's key absorbs.
    """

    def __init__(self, service: str, topic_names: list[str], dispatch: Handler, producer: KafkaProducer,
                 max_attempts: int | None = None, backoff_s: float | None = None,
                 consumer_factory=make_consumer):
        self.service = service
        self.topic_names = topic_names
        self.dispatch = dispatch
        self.producer = producer
        self.max_attempts = max_attempts or config.int_setting("CONSUMER_MAX_ATTEMPTS", service, 5)
        self.backoff_s = backoff_s if backoff_s is not None else config.float_setting(
            "CONSUMER_BACKOFF_S", service, 0.2)
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
            try:
                self.consume(consumer)
            except KafkaError as exc:
                log.warning("lost Kafka, reconnecting", extra={"error": repr(exc)})
                self.stopping.wait(2.0)
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
                    for record in records:
                        self.handle_record(record)
                        handled[TopicPartition(tp.topic, tp.partition)] = OffsetAndMetadata(record.offset + 1, None, -1)
                        if self.stopping.is_set():
                            return
            finally:
                # Once per polled batch, for the messages whose effect is durable: a crash costs at most the
                # redelivery of one batch, which the effects' keys absorb; a commit per message would cost a
                # broker round trip each.
                if handled:
                    consumer.commit(handled)

    def handle_record(self, record):
        try:
            raw = json.loads(record.value)
            if isinstance(raw, dict) and raw.get("type") and not is_known(raw["type"]):
                return  # a newer producer's event type this service has never heard of: not ours to judge
            event = parse_event(raw)
        except (ValueError, InvalidEvent) as exc:
            self.dead_letter(record, f"invalid: {exc}")
            return
        EVENTS_CONSUMED.labels(event.type).inc()
        for attempt in range(1, self.max_attempts + 1):
            try:
                self.dispatch(event)
                return
            except Exception as exc:  # noqa: BLE001 - every failure is retried, then dead-lettered
                if attempt == self.max_attempts:
                    log.error("handler failed, dead-lettering", extra={**event.log_fields(),
                                                                       "attempts": attempt,
                                                                       "error": repr(exc)})
                    self.dead_letter(record, "".join(traceback.format_exception_only(exc)).strip())
                    return
                delay = self.backoff_s * (2 ** (attempt - 1)) * (0.5 + random.random())
                log.warning("handler failed, retrying", extra={**event.log_fields(), "attempt": attempt,
                                                               "error": repr(exc), "delay_s": round(delay, 3)})
                if self.stopping.wait(delay):
                    raise SystemExit("stopping during retry; message will be redelivered")

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
