"""Put dead-lettered messages back on their topic once what failed them is fixed.

    python -m wijkkracht.replay wijkkracht.registration.dlq            # republish, then remember where we got to
    python -m wijkkracht.replay wijkkracht.registration.dlq --dry-run  # list what a replay would put back

Each dead letter carries the original message and where it came from; the replay sends the original bytes,
with the original key (so it lands on the same partition, in order with the key's other events), to the
source topic. Every consumer group of that topic sees it again; their effects are keyed by event_id, so a
group that had handled it already does nothing. The replay commits its own group's offsets on the dead-letter
topic after the broker has acknowledged what it sent, so a second run puts back only what was dead-lettered
since. It reads up to the end the topic had when it started: a message that fails again is dead-lettered
anew and waits for the next run instead of looping.
"""
import argparse
import json
import logging
import sys

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.structs import OffsetAndMetadata

from . import config
from . import logging as wlogging
from .metrics import EVENTS_REPLAYED

log = logging.getLogger(__name__)

SERVICE = "replay"
DLQ_SUFFIX = ".dlq"


def group_for(dlq_topic: str) -> str:
    return config.setting("REPLAY_GROUP", SERVICE, f"wijkkracht-replay.{dlq_topic}")


def _consumer(dlq_topic: str, group: str) -> tuple[KafkaConsumer, list[TopicPartition]]:
    consumer = KafkaConsumer(bootstrap_servers=config.kafka_bootstrap_servers(SERVICE), group_id=group,
                             client_id="wijkkracht-replay", enable_auto_commit=False,
                             auto_offset_reset="earliest")
    partitions = consumer.partitions_for_topic(dlq_topic)
    if not partitions:
        consumer.close()
        raise SystemExit(f"no such topic: {dlq_topic}")
    tps = [TopicPartition(dlq_topic, p) for p in sorted(partitions)]
    consumer.assign(tps)  # assigned, not subscribed: one operator's run, no group rebalancing
    return consumer, tps


def describe(record) -> dict:
    """What the operator sees in a listing: where it came from, who failed it and why; no payload (it may
    name a person)."""
    try:
        letter = json.loads(record.value)
    except ValueError:
        return {"offset": record.offset, "error": "unreadable dead letter"}
    source = letter.get("source") or {}
    try:
        original = json.loads(letter.get("message") or "")
        kind = {"event_id": original.get("event_id"), "type": original.get("type")}
    except (ValueError, AttributeError):
        kind = {"event_id": None, "type": None}
    error_lines = (letter.get("error") or "").strip().splitlines() or [""]
    return {"partition": record.partition, "offset": record.offset, "source": source,
            "consumer": letter.get("consumer"), "failed_at": letter.get("failed_at"), **kind,
            "error": error_lines[-1][:200]}


def replay(dlq_topic: str, dry_run: bool = False, out=sys.stdout) -> int:
    """Republish what the replay group has not yet put back; returns how many (or would be, dry)."""
    if not dlq_topic.endswith(DLQ_SUFFIX):
        raise SystemExit(f"not a dead-letter topic: {dlq_topic} (expected <topic>{DLQ_SUFFIX})")
    consumer, tps = _consumer(dlq_topic, group_for(dlq_topic))
    producer = None if dry_run else KafkaProducer(bootstrap_servers=config.kafka_bootstrap_servers(SERVICE),
                                                  client_id="wijkkracht-replay", enable_idempotence=True)
    count = 0
    try:
        end = consumer.end_offsets(tps)
        todo = {tp for tp in tps if consumer.position(tp) < end[tp]}
        while todo:
            batches = consumer.poll(timeout_ms=2000)
            if not batches and all(consumer.position(tp) >= end[tp] for tp in todo):
                break
            done: dict[TopicPartition, OffsetAndMetadata] = {}
            futures = []
            for tp, records in batches.items():
                for record in records:
                    if record.offset >= end[tp]:
                        continue  # dead-lettered after we started: the next run's
                    info = describe(record)
                    count += 1
                    if dry_run:
                        print(json.dumps(info, ensure_ascii=False), file=out)
                    elif json.loads(record.value).get("message_truncated"):
                        count -= 1  # too large to carry whole: the original is still at its source offset
                        log.warning("dead letter holds a truncated message, left for the operator",
                                    extra={k: info.get(k) for k in ("source", "event_id", "type")})
                    else:
                        letter = json.loads(record.value)
                        topic = letter["source"]["topic"]
                        futures.append(producer.send(topic, key=record.key,
                                                     value=letter["message"].encode("utf-8")))
                        EVENTS_REPLAYED.labels(topic).inc()
                        log.info("replaying", extra={k: info.get(k) for k in ("source", "event_id", "type")})
                    done[tp] = OffsetAndMetadata(record.offset + 1, None, -1)
            if futures:
                producer.flush()
                for future in futures:
                    future.get(timeout=30)  # acknowledged before we commit: a crash replays again, never loses
            if done and not dry_run:
                consumer.commit(done)
            todo = {tp for tp in todo if consumer.position(tp) < end[tp]}
    finally:
        consumer.close(autocommit=False)
        if producer is not None:
            producer.close(timeout=10)
    print(f"{'would replay' if dry_run else 'replayed'} {count} message(s) from {dlq_topic}", file=out)
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wijkkracht.replay", description=__doc__.split("\n\n")[0])
    parser.add_argument("topic", help="the dead-letter topic, e.g. wijkkracht.registration.dlq")
    parser.add_argument("--dry-run", action="store_true", help="list what would be put back; change nothing")
    args = parser.parse_args(argv)
    wlogging.configure(SERVICE)
    replay(args.topic, dry_run=args.dry_run)
    return 0


if __name__ == "__main__":
    sys.exit(main())
