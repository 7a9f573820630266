"""Colour assignment at the door: 1,000 arrivals, time per arrival (aim under 5 ms), in the pure domain.

Each arrival brings what the worker hands the domain: companions (a fifth come in pairs) and a history of
about 30 earlier table-mates; the baseline is the same arrivals with neither. Usage:
python bench/colours.py [--arrivals 1000] [--expected 1000] [--smoke] [--live [--rate 20]]

With ``--live`` it measures matching's share of the door's latency on the running stack instead:
``participant.checked_in`` published to Kafka at ``--rate`` per second → ``colour.assigned`` read back from
``wijkkracht.matching`` (through the worker, the store and the outbox relay); the DESIGN target for the
whole door (colour shown and handed to the SMS gateway) is p95 under 300 ms at 20 check-ins/s. Its baseline
is a bare Kafka round trip at the same rate. Either mode ends with one ``RESULT name=...`` line.
"""
import argparse
import datetime as dt
import json
import os
import random
import statistics
import time
import uuid

import pathlib
import sys

# bench/matching.py sits beside this script: keep this folder off the path so `matching` is the service package.
_HERE = pathlib.Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if pathlib.Path(p or ".").resolve() != _HERE]

from matching.domain.colours import Seating, assign_colour, settle  # noqa: E402


def percentile(sorted_values, q):
    return sorted_values[min(len(sorted_values) - 1, int(q * (len(sorted_values) - 1) + 0.5))]


def worker_parts() -> dict:
    """What matching's worker runs (handlers, outbox collections, index setup, jobs), exactly as its main() hands
    them to the shared runner, so the bench keeps measuring the worker as it is, whatever jobs it has today."""
    from wijkkracht import worker
    from matching import worker as matching_worker
    parts = {}
    real_run = worker.run
    worker.run = lambda service, **kwargs: parts.update(kwargs)
    try:
        matching_worker.main()
    finally:
        worker.run = real_run
    return parts


def live(args):
    """Kafka → the shared consumer loop → matching's check-in handler → the store → the outbox relay → Kafka,
    on topics and a database of its own (so no other consumer sees the bench's check-ins, and no stray events
    reach ours). Baseline in the same run: a bare Kafka round trip (publish, read back) at the same rate."""
    import threading

    from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
    from kafka.admin import NewTopic

    from wijkkracht import config, mongo
    from wijkkracht.events import new_event
    from wijkkracht.kafka import ConsumerLoop, make_producer
    from wijkkracht.outbox import OutboxRelay
    from wijkkracht.worker import Runtime, dispatcher

    run_id = uuid.uuid4().hex[:8]
    inbound, outbound, echo = f"bench-{run_id}.registration", f"bench-{run_id}.matching", f"bench-{run_id}.echo"
    bench_topics = [inbound, outbound, echo, f"{inbound}.dlq"]
    servers = config.kafka_bootstrap_servers("matching")
    admin = KafkaAdminClient(bootstrap_servers=servers)
    admin.create_topics([NewTopic(t, 3, 1) for t in bench_topics])
    parts = worker_parts()
    client = mongo.connect("matching")
    db = client[f"matching_bench_{run_id}"]
    parts["setup"](db)
    stopping = threading.Event()
    producer = make_producer("matching")
    runtime = Runtime("matching", client, db, producer, stopping)
    os.environ["MATCHING_CONSUMER_GROUP"] = f"bench-{run_id}"
    handled = {}  # person → (handler start, handler end): where the time goes
    dispatch = dispatcher(parts["handlers"], runtime)

    def timed_dispatch(event):
        started = time.perf_counter()
        dispatch(event)
        handled[event.payload.get("person_id")] = (started, time.perf_counter())

    loop = ConsumerLoop("matching", [inbound], timed_dispatch, producer)
    relay = OutboxRelay(db, parts["outbox_collections"], producer, outbound)
    threads = [threading.Thread(target=loop.run, daemon=True),
               threading.Thread(target=relay.run, args=(stopping,), daemon=True)]
    threads += [threading.Thread(target=job, args=(runtime,), daemon=True) for job in parts.get("jobs", ())]
    for t in threads:
        t.start()

    sender = KafkaProducer(bootstrap_servers=servers, key_serializer=str.encode,
                           value_serializer=lambda v: json.dumps(v).encode(), linger_ms=0)
    reader = KafkaConsumer(bootstrap_servers=servers, group_id=None, enable_auto_commit=False, fetch_max_wait_ms=10)
    reader.topics()
    partitions = [TopicPartition(t, p) for t in (outbound, echo) for p in range(3)]
    reader.assign(partitions)
    reader.seek_to_beginning(*partitions)
    meeting_id = f"bench-{run_id}"
    sent, received = {}, {}

    def drain(timeout_ms):
        for records in reader.poll(timeout_ms=timeout_ms).values():
            for record in records:
                envelope = json.loads(record.value)
                if record.topic == echo or envelope["type"] == "colour.assigned":
                    received.setdefault(envelope["payload"]["person_id"], time.perf_counter())

    def paced(names, topic, warm=()):
        interval = 1.0 / args.rate
        next_at = time.perf_counter()
        for n, person in enumerate(list(warm) + list(names)):
            while time.perf_counter() < next_at:
                drain(max(0, int((next_at - time.perf_counter()) * 1000)))
            envelope = new_event("participant.checked_in", {
                "meeting_id": meeting_id, "person_id": person,
                "checked_in_at": dt.datetime.now(dt.timezone.utc).isoformat(),
                "expected_attendance": args.expected, "group_size": args.group_size}, key=meeting_id,
                producer="bench")
            sender.send(topic, key=meeting_id, value=envelope)
            sender.flush()
            sent[person] = time.perf_counter()
            if n < len(warm):  # wait for each warm-up answer before the measured arrivals start
                deadline = time.perf_counter() + 60
                while person not in received and time.perf_counter() < deadline:
                    drain(50)
                next_at = time.perf_counter()
            next_at += interval
        deadline = time.perf_counter() + 60
        while len([p for p in names if p in received]) < len(names) and time.perf_counter() < deadline:
            drain(100)
        return sorted((received[p] - sent[p]) * 1000 for p in names if p in received)

    try:
        echoes = paced([f"echo-{i}" for i in range(args.arrivals)], echo, warm=["echo-warm"])
        people = [f"p-{i}" for i in range(args.arrivals)]
        # Warm up: the consumer joins its group and the first arrivals open the colours.
        ms = paced(people, inbound, warm=[f"warm-{i}" for i in range(3)])
    finally:
        stopping.set()
        loop.stop()
        for t in threads:
            t.join(10)
        for closeable in (sender, reader):
            closeable.close()
        producer.close(timeout=5)
        client.drop_database(db.name)
        client.close()
        admin.delete_topics(bench_topics)
        admin.close()
    print(f"check-in -> colour.assigned through Kafka, the consumer loop, the store and the outbox relay "
          f"({config.mongodb_uri('matching')}): {len(people)} arrivals at {args.rate:g}/s, {len(ms)} answered")
    fields = {"arrivals": len(people), "rate": f"{args.rate:g}", "answered": len(ms)}
    if ms:
        p95, echo_p95 = percentile(ms, 0.95), percentile(echoes, 0.95) if echoes else 0.0
        print(f"  p50 {percentile(ms, 0.5):.0f} ms, p95 {p95:.0f} ms, max {ms[-1]:.0f} ms "
              f"(the whole door's budget: p95 under 300 ms) {'OK' if p95 < 300 else 'ABOVE AIM'}")
        print(f"  baseline, a bare Kafka round trip at the same rate: p50 {percentile(echoes, 0.5):.1f} ms, "
              f"p95 {echo_p95:.1f} ms")
        fields.update(p50_ms=f"{percentile(ms, 0.5):.0f}", p95_ms=f"{p95:.0f}", max_ms=f"{ms[-1]:.0f}",
                      kafka_p95_ms=f"{echo_p95:.1f}", ratio=f"{p95 / echo_p95:.1f}" if echo_p95 else "inf")
        done = [p for p in people if p in received and p in handled]
        for key, label, values in (
                ("waiting", "waiting to be consumed", [handled[p][0] - sent[p] for p in done]),
                ("handler", "in the handler (store reads + write)", [handled[p][1] - handled[p][0] for p in done]),
                ("relay", "outbox relay and back out of Kafka", [received[p] - handled[p][1] for p in done])):
            values = sorted(v * 1000 for v in values)
            if values:
                print(f"    {label}: p50 {percentile(values, 0.5):.0f} ms, p95 {percentile(values, 0.95):.0f} ms")
                fields[f"{key}_p95_ms"] = f"{percentile(values, 0.95):.0f}"
    print(result_line("colours_live", fields))
    return 0 if len(ms) == len(people) else 1


def timed_arrivals(args, history_aware: bool):
    """Per-arrival times of ``assign_colour``; the baseline arm gives it no companions and no history."""
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
        if history_aware:
            assign_colour(seating, p, companions[p], history[p])
        else:
            assign_colour(seating, p, (), {})
        times.append(time.perf_counter() - started)
    return sorted(t * 1000 for t in times), seating


def timed_start(args, expected: int):
    """The start for ``args.arrivals`` arrivals seated against ``expected``: (ms, people moved, sizes after)."""
    seating = Seating(seed="bench", group_size=args.group_size, expected=expected)
    for i in range(args.arrivals):
        assign_colour(seating, f"p{i}")
    started = time.perf_counter()
    moves = settle(seating)
    return (time.perf_counter() - started) * 1000, len(moves), seating.sizes().values()


def pure(args):
    ms, seating = timed_arrivals(args, history_aware=True)
    base, _ = timed_arrivals(args, history_aware=False)
    sizes = seating.sizes().values()
    p95, base_p95 = percentile(ms, 0.95), percentile(base, 0.95)
    print(f"colour assignment: {args.arrivals} arrivals, {len(seating.colours)} colours, "
          f"group sizes {min(sizes)}..{max(sizes)} before the start")
    start_ms, moved, after = timed_start(args, args.expected)
    half_ms, half_moved, half_after = timed_start(args, 2 * args.arrivals)
    print(f"  the start (tables too small closed): {start_ms:.1f} ms, {moved} moved, sizes {min(after)}..{max(after)}; "
          f"had twice as many been expected: {half_ms:.1f} ms, {half_moved} moved, "
          f"sizes {min(half_after)}..{max(half_after)}")
    print(f"  per arrival: mean {statistics.fmean(ms):.3f} ms, p95 {p95:.3f} ms, "
          f"max {ms[-1]:.3f} ms, total {sum(ms):.0f} ms (aim: under 5 ms each) {'OK' if p95 < 5 else 'ABOVE AIM'}")
    print(f"  baseline, the same arrivals with no companions and no history: mean {statistics.fmean(base):.3f} ms, "
          f"p95 {base_p95:.3f} ms")
    print(result_line("colours", {
        "arrivals": args.arrivals, "colours": len(seating.colours), "mean_ms": f"{statistics.fmean(ms):.3f}",
        "p95_ms": f"{p95:.3f}", "max_ms": f"{ms[-1]:.3f}", "baseline_p95_ms": f"{base_p95:.3f}",
        "ratio": f"{p95 / base_p95:.2f}" if base_p95 else "inf", "start_ms": f"{start_ms:.1f}",
        "start_half_came_ms": f"{half_ms:.1f}", "moved_half_came": half_moved}))
    return 0


def result_line(name: str, fields: dict) -> str:
    """The one line `make bench` and the smoke test read: RESULT name=<bench> key=value ..."""
    fields = {"name": name, **fields, "load1": f"{os.getloadavg()[0]:.1f}"}  # the machine's load, for the README
    return "RESULT " + " ".join(f"{k}={v}" for k, v in fields.items())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--arrivals", type=int)
    parser.add_argument("--expected", type=int, help="expected attendance (default: the arrivals)")
    parser.add_argument("--group-size", type=int, default=6)
    parser.add_argument("--live", action="store_true", help="measure on the running stack instead")
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--smoke", action="store_true", help="a few arrivals, the same code path, in seconds")
    args = parser.parse_args()
    if args.arrivals is None:
        args.arrivals = (20 if args.smoke else 200) if args.live else (100 if args.smoke else 1000)
    args.expected = args.expected or args.arrivals
    return live(args) if args.live else pure(args)


if __name__ == "__main__":
    sys.exit(main())
