"""Colour assignment at the door: 1,000 arrivals, time per arrival (aim under 5 ms), in the pure domain.

Each arrival brings what the worker hands the domain: companions (a fifth come in pairs) and a history of
about 30 earlier table-mates. Usage: python bench/colours.py [--arrivals 1000] [--expected 1000]

With ``--live`` it measures matching's share of the door's latency on the running stack instead:
``participant.checked_in`` published to Kafka at ``--rate`` per second → ``colour.assigned`` read back from
``wijkkracht.matching`` (through the worker, the store and the outbox relay); the DESIGN target for the
whole door (colour shown and handed to the SMS gateway) is p95 under 300 ms at 20 check-ins/s.
"""
import argparse
import datetime as dt
import json
import random
import statistics
import time
import uuid

import pathlib
import sys

# bench/matching.py sits beside this script: keep this folder off the path so `matching` is the service package.
_HERE = pathlib.Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if pathlib.Path(p or ".").resolve() != _HERE]

from matching.domain.colours import Seating, assign_colour  # noqa: E402


def percentile(sorted_values, q):
    return sorted_values[min(len(sorted_values) - 1, int(q * (len(sorted_values) - 1) + 0.5))]


def live(args):
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition

    from wijkkracht import config, topics
    from wijkkracht.events import new_event

    servers = config.kafka_bootstrap_servers("matching")
    producer = KafkaProducer(bootstrap_servers=servers, key_serializer=str.encode,
                             value_serializer=lambda v: json.dumps(v).encode(), linger_ms=0)
    consumer = KafkaConsumer(bootstrap_servers=servers, group_id=None, enable_auto_commit=False, fetch_max_wait_ms=10)
    partitions = [TopicPartition(topics.MATCHING, p) for p in sorted(consumer.partitions_for_topic(topics.MATCHING))]
    consumer.assign(partitions)
    consumer.seek_to_end(*partitions)
    for tp in partitions:
        consumer.position(tp)
    meeting_id = f"bench-{uuid.uuid4().hex[:8]}"
    producer.send(topics.REGISTRATION, key=meeting_id, value=new_event("meeting.scheduled", {
        "meeting_id": meeting_id, "title": "bench", "starts_at": dt.datetime.now(dt.timezone.utc).isoformat(),
        "venue": "bench", "area": "Noord", "group_size": args.group_size}, key=meeting_id, producer="bench"))
    sent, received = {}, {}
    interval = 1.0 / args.rate
    next_at = time.perf_counter()
    people = [f"bench-{uuid.uuid4().hex[:10]}" for _ in range(args.arrivals)]

    def drain(timeout_ms):
        for records in consumer.poll(timeout_ms=timeout_ms).values():
            for record in records:
                envelope = json.loads(record.value)
                if envelope["type"] == "colour.assigned" and envelope["payload"]["meeting_id"] == meeting_id:
                    received.setdefault(envelope["payload"]["person_id"], time.perf_counter())

    for person in people:
        while time.perf_counter() < next_at:
            drain(max(0, int((next_at - time.perf_counter()) * 1000)))
        envelope = new_event("participant.checked_in", {
            "meeting_id": meeting_id, "person_id": person, "checked_in_at": dt.datetime.now(dt.timezone.utc).isoformat(),
            "expected_attendance": args.expected, "group_size": args.group_size}, key=meeting_id, producer="bench")
        producer.send(topics.REGISTRATION, key=meeting_id, value=envelope)
        producer.flush()
        sent[person] = time.perf_counter()
        next_at += interval
    deadline = time.perf_counter() + 30
    while len(received) < len(people) and time.perf_counter() < deadline:
        drain(100)
    ms = sorted((received[p] - sent[p]) * 1000 for p in people if p in received)
    print(f"check-in -> colour.assigned through Kafka, worker, store and outbox relay: {len(people)} arrivals at "
          f"{args.rate}/s, {len(ms)} answered")
    if ms:
        print(f"  p50 {percentile(ms, 0.5):.0f} ms, p95 {percentile(ms, 0.95):.0f} ms, max {ms[-1]:.0f} ms "
              f"(the whole door's budget: p95 under 300 ms) {'OK' if percentile(ms, 0.95) < 300 else 'ABOVE AIM'}")
    producer.close()
    consumer.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--arrivals", type=int, default=1000)
    parser.add_argument("--expected", type=int, default=1000)
    parser.add_argument("--group-size", type=int, default=6)
    parser.add_argument("--live", action="store_true", help="measure on the running stack instead")
    parser.add_argument("--rate", type=float, default=20.0)
    args = parser.parse_args()
    if args.live:
        if args.arrivals == 1000:
            args.arrivals = 400
        return live(args)
    rng = random.Random(7)
    people = [f"p{i}" for i in range(args.arrivals)]
    companions = {p: [] for p in people}
    for a, b in zip(people[0:args.arrivals // 5:2], people[1:args.arrivals // 5:2]):
        companions[a], companions[b] = [b], [a]
    history = {p: {o: rng.randint(1, 3) for o in rng.sample(people, min(30, len(people)))} for p in people}
    seating = Seating(seed="bench", group_size=args.group_size, expected=args.expected)
    times = []
    for p in people:
        started = time.perf_counter()
        assign_colour(seating, p, companions[p], history[p])
        times.append(time.perf_counter() - started)
    ms = sorted(t * 1000 for t in times)
    sizes = seating.sizes().values()
    print(f"colour assignment: {args.arrivals} arrivals, {len(seating.colours)} colours, "
          f"group sizes {min(sizes)}..{max(sizes)}")
    print(f"  per arrival: mean {statistics.fmean(ms):.3f} ms, p95 {ms[int(0.95 * (len(ms) - 1))]:.3f} ms, "
          f"max {ms[-1]:.3f} ms, total {sum(ms):.0f} ms (aim: under 5 ms each) "
          f"{'OK' if ms[int(0.95 * (len(ms) - 1))] < 5 else 'ABOVE AIM'}")


if __name__ == "__main__":
    main()
