"""Check-in → colour readable at the door and colour SMS at the gateway: p50/p95/p99 at 20 check-ins per second.

    .local/venv/bin/python bench/colour_sms_latency.py [--arrivals 200] [--rate 20] [--direct] [--smoke]

Full path (default): residents sign up by SMS through the registration API (Dutch mobiles, 06 1xxxxxxx);
once the notifications service knows them, the organiser checks them in at ``--rate`` per second
(POST .../checkins); registration emits participant.checked_in, matching assigns the colour, registration
shows it at ``GET .../checkins`` and notifications sends "Jouw kleur: ..." to the dev SMS gateway.
Latencies are measured from the moment each check-in was posted: to the colour readable at registration
(the arrivals list, polled every 50 ms) and to the gateway's received_at.

``--direct`` leaves registration and matching out: it publishes colour.assigned itself at the same rate
and measures publish → gateway (what notifications alone adds).

Baseline in the same run: the bench hands SMS to the same gateway itself at the same rate (POST → the
gateway's received_at), i.e. what the last hop costs with nothing in front of it. Target: p95 < 300 ms.
Ends with one ``RESULT name=colour_sms_latency ...`` line.
"""
import argparse
import concurrent.futures
import datetime as dt
import os
import pathlib
import random
import statistics
import sys
import threading
import time
import uuid

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.integration.notifications import events as ev  # noqa: E402
from tests.support import Stack, stack_env  # noqa: E402
from wijkkracht import topics  # noqa: E402

TARGET_MS = 300


def dutch_mobile() -> str:
    """A number the sign-up form accepts, in the 06 1xxxxxxx range (E.164, as the gateway will see it)."""
    return f"+3161{random.SystemRandom().randrange(10**7):07d}"


def known(stack: Stack, person_id: str) -> bool:
    try:
        return bool(ev.deliveries(stack, person_id=person_id))
    except Exception:  # noqa: BLE001 - a slow answer under load: ask again
        return False


def wait_known(stack: Stack, person_ids: set[str], timeout_s: float = 300):
    """The resident must be known to notifications before the colour comes, as at a real evening."""
    deadline = time.monotonic() + timeout_s
    while person_ids and time.monotonic() < deadline:
        person_ids = {p for p in person_ids if not known(stack, p)}
        time.sleep(0.5)
    if person_ids:
        raise SystemExit(f"{len(person_ids)} residents still unknown to notifications after {timeout_s:.0f}s")


def received(message: dict) -> float:
    return dt.datetime.fromisoformat(message["received_at"].replace("Z", "+00:00")).timestamp()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else float("nan")


def paced(items, rate: float, action, workers: int = 16) -> dict:
    """Run ``action(item)`` at ``rate`` per second (not slowed by slow answers); returns {key: value}."""
    results = {}
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        t0 = time.time()
        futures = []
        for i, item in enumerate(items):
            delay = t0 + i / rate - time.time()
            if delay > 0:
                time.sleep(delay)
            futures.append(pool.submit(action, item))
        for future in futures:
            key, value = future.result()
            results[key] = value
    return results


def wait_for_sms(stack: Stack, phones: set[str], word: str, timeout_s: float) -> dict[str, float]:
    """When each number's text with ``word`` reached the gateway (asked for by number, not the whole log)."""
    deadline = time.monotonic() + timeout_s
    arrived: dict[str, float] = {}
    url = stack.env["SMS_GATEWAY_URL"].rstrip("/") + "/api/messages"
    while time.monotonic() < deadline and len(arrived) < len(phones):
        pending = sorted(phones - set(arrived))
        for i in range(0, len(pending), 300):
            r = stack.http.get(url, params={"to": pending[i:i + 300]}, timeout=30)
            r.raise_for_status()
            for message in r.json()["messages"]:
                if message["to"] in phones and word in message["body"].lower():
                    arrived.setdefault(message["to"], received(message))
        if len(arrived) < len(phones):
            time.sleep(0.5)
    return arrived


class ColourWatch(threading.Thread):
    """Polls the evening's arrivals list (what the door shows) and notes when each colour first appears: the
    moment the answer came back, so a figure errs on the slow side by at most one poll and one answer."""

    def __init__(self, env: dict, meeting_id: str, interval_s: float = 0.05):
        super().__init__(daemon=True)
        self.stack, self.meeting_id, self.interval_s = Stack(env), meeting_id, interval_s
        self.seen: dict[str, float] = {}
        self.stopping = threading.Event()

    def run(self):
        url = f"/api/v1/meetings/{self.meeting_id}/checkins"
        while not self.stopping.is_set():
            try:
                r = self.stack.get("registration", url, headers=self.stack.organiser)
                now = time.time()
                for arrival in r.json()["checkins"] if r.status_code == 200 else ():
                    if arrival.get("colour"):
                        self.seen.setdefault(arrival["person_id"], now)
            except Exception:  # noqa: BLE001 - a slow answer under load: ask again
                pass
            self.stopping.wait(self.interval_s)


def full_path(stack: Stack, arrivals: int, rate: float, run: str):
    """Returns ({phone: check-in posted at}, {phone: colour readable at}, check-in POST latencies in ms,
    the evening and {phone: person})."""
    meeting = stack.create_meeting(title=f"Bench deur-sms {run}", capacity=arrivals + 10)
    meeting_id = meeting["id"]

    def sign_up(i):
        phone = dutch_mobile()
        r = stack.post("registration", f"/api/v1/meetings/{meeting_id}/registrations", {
            "name": f"Bewoner {i}", "phone": phone, "preferred_channel": "sms", "languages": ["nl"],
            "consent": {"contact": True, "share_with_initiatives": True}})
        assert r.status_code == 201, r.text
        return r.json()["registration_id"], (phone, r.json()["person_id"])

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        residents = dict(pool.map(sign_up, range(arrivals)))
    print(f"  {arrivals} residents signed up by SMS")
    wait_known(stack, {person for _, person in residents.values()})
    r = stack.post("registration", f"/api/v1/meetings/{meeting_id}/open-checkin", {}, organiser=True)
    assert r.status_code == 200, r.text
    watch = ColourWatch(stack.env, meeting_id)
    watch.start()

    def check_in(registration_id):
        at = time.time()
        r = stack.post("registration", f"/api/v1/meetings/{meeting_id}/checkins",
                       {"registration_id": registration_id}, organiser=True)
        assert r.status_code in (200, 201), r.text
        return registration_id, (at, (time.time() - at) * 1000)

    posted = paced(list(residents), rate, check_in)
    deadline = time.monotonic() + 120
    while len(watch.seen) < len(posted) and time.monotonic() < deadline:
        time.sleep(0.1)
    watch.stopping.set()
    by_phone = {residents[reg][0]: at for reg, (at, _) in posted.items()}
    readable = {residents[reg][0]: watch.seen[residents[reg][1]] for reg in posted if residents[reg][1] in watch.seen}
    persons = {phone: person for phone, person in residents.values()}
    return by_phone, readable, [ms for _, ms in posted.values()], meeting_id, persons


def direct(stack: Stack, arrivals: int, rate: float, run: str):
    producer = ev.producer(stack)
    meeting = ev.meeting_scheduled(title=f"Bench deur-sms {run}")
    meeting_id = meeting["payload"]["meeting_id"]
    signups = [ev.registration_created(meeting_id, email=None, phone=dutch_mobile(), channel="sms")
               for _ in range(arrivals)]
    ev.publish(producer, meeting, *signups)
    wait_known(stack, {s["payload"]["person_id"] for s in signups})
    colours = ["rood", "blauw", "groen", "geel", "oranje"]

    def assign(i):
        at = time.time()
        signup = signups[i]
        ev.publish(producer, ev.colour_assigned(meeting_id, signup["payload"]["person_id"], colours[i % 5], i % 5 + 1),
                   topic=topics.MATCHING)
        return signup["payload"]["phone"], at

    posted = paced(range(arrivals), rate, assign, workers=1)
    producer.close()
    return posted, {}, [], meeting_id, {}


def stages_on_kafka(stack: Stack, meeting_id: str, since: float) -> dict[str, dict]:
    """person → when each event of the door was decided (its occurred_at) and put on Kafka (the record's
    timestamp): participant.checked_in by registration, colour.assigned by matching."""
    import json

    from kafka import KafkaConsumer, TopicPartition

    reader = KafkaConsumer(bootstrap_servers=stack.env.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092").split(","),
                           group_id=None, enable_auto_commit=False, consumer_timeout_ms=3000)
    partitions = [TopicPartition(t, p) for t in (topics.REGISTRATION, topics.MATCHING)
                  for p in sorted(reader.partitions_for_topic(t) or ())]
    reader.assign(partitions)
    for tp, found in reader.offsets_for_times({tp: int(since * 1000) for tp in partitions}).items():
        if found is None:
            reader.seek_to_end(tp)
        else:
            reader.seek(tp, found.offset)
    wanted = {"participant.checked_in": "checked_in", "colour.assigned": "colour"}
    stages: dict[str, dict] = {}
    for record in reader:
        envelope = json.loads(record.value)
        payload = envelope.get("payload") or {}
        if envelope.get("type") in wanted and payload.get("meeting_id") == meeting_id:
            name = wanted[envelope["type"]]
            occurred = dt.datetime.fromisoformat(envelope["occurred_at"].replace("Z", "+00:00")).timestamp()
            stages.setdefault(payload["person_id"], {}).update(
                {f"{name}_decided": occurred, f"{name}_on_kafka": record.timestamp / 1000})
    reader.close()
    return stages


def where_the_time_goes(stack: Stack, meeting_id: str, posted: dict, persons: dict, readable: dict,
                        arrived: dict) -> dict:
    """Each stage's p50/p95 from the events' own timestamps; returns the p95s for the RESULT line."""
    stages = stages_on_kafka(stack, meeting_id, min(posted.values()) - 5)
    spans = {"registration_api": [], "registration_relay": [], "matching_consume_and_decide": [],
             "matching_relay": [], "notifications_to_gateway": [], "registration_shows_colour": []}
    for phone, at in posted.items():
        st = stages.get(persons[phone])
        if not st or "colour_on_kafka" not in st or "checked_in_on_kafka" not in st:
            continue
        spans["registration_api"].append(st["checked_in_decided"] - at)
        spans["registration_relay"].append(st["checked_in_on_kafka"] - st["checked_in_decided"])
        spans["matching_consume_and_decide"].append(st["colour_decided"] - st["checked_in_on_kafka"])
        spans["matching_relay"].append(st["colour_on_kafka"] - st["colour_decided"])
        if phone in arrived:
            spans["notifications_to_gateway"].append(arrived[phone] - st["colour_on_kafka"])
        if phone in readable:
            spans["registration_shows_colour"].append(readable[phone] - st["colour_on_kafka"])
    print(f"  where the time goes ({len(spans['registration_api'])} arrivals traced through Kafka):")
    p95s = {}
    for name, values in spans.items():
        values = [v * 1000 for v in values]
        if values:
            print(f"    {name.replace('_', ' '):30s} p50 {percentile(values, 50):6.0f} ms  p95 {percentile(values, 95):6.0f} ms")
            p95s[f"{name}_p95_ms"] = f"{percentile(values, 95):.0f}"
    return p95s


def gateway_baseline(stack: Stack, n: int, rate: float, run: str) -> list[float]:
    """POST an SMS to the gateway ourselves at the same rate: received_at minus the moment it was posted."""
    url = stack.env["SMS_GATEWAY_URL"].rstrip("/") + "/v1/messages"

    def send(i):
        phone, at = dutch_mobile(), time.time()
        r = stack.http.post(url, json={"to": phone, "from": "Bench", "body": f"bench baseline {run} {i}"}, timeout=10)
        assert r.status_code == 201, r.text
        return phone, at

    posted = paced(range(n), rate, send, workers=4)
    arrived = wait_for_sms(stack, set(posted), "bench baseline", timeout_s=30)
    return [(arrived[p] - at) * 1000 for p, at in posted.items() if p in arrived]


def summary(values: list[float]) -> str:
    return f"p50 {percentile(values, 50):.0f} ms, p95 {percentile(values, 95):.0f} ms, p99 {percentile(values, 99):.0f} ms"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--arrivals", type=int)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--direct", action="store_true", help="publish colour.assigned ourselves")
    parser.add_argument("--smoke", action="store_true", help="a few arrivals, the same code path, in seconds")
    args = parser.parse_args()
    args.arrivals = args.arrivals or (10 if args.smoke else 200)
    stack = Stack(stack_env())
    run = uuid.uuid4().hex[:6]
    mode = "colour.assigned published by the bench" if args.direct else "check-in via registration + matching"
    print(f"check-in → colour SMS, {args.arrivals} arrivals at {args.rate:g}/s ({mode}) [{run}]")
    posted, readable, post_ms, meeting_id, persons = (direct if args.direct else full_path)(
        stack, args.arrivals, args.rate, run)
    arrived = wait_for_sms(stack, set(posted), "jouw kleur", timeout_s=120)
    latencies = [(arrived[phone] - at) * 1000 for phone, at in posted.items() if phone in arrived]
    missing = len(posted) - len(latencies)
    fields = {"mode": "direct" if args.direct else "full", "arrivals": args.arrivals, "rate": f"{args.rate:g}",
              "sms": len(latencies), "missing": missing}
    baseline = gateway_baseline(stack, min(args.arrivals, 50), args.rate, run)
    if post_ms:
        shown = [(readable[phone] - at) * 1000 for phone, at in posted.items() if phone in readable]
        print(f"  check-in POST answered: {summary(post_ms)}")
        print(f"  colour readable at GET .../checkins: {summary(shown)} ({len(shown)} of {len(posted)})")
        fields.update(checkin_post_p95_ms=f"{percentile(post_ms, 95):.0f}",
                      readable_p50_ms=f"{percentile(shown, 50):.0f}", readable_p95_ms=f"{percentile(shown, 95):.0f}",
                      unreadable=len(posted) - len(shown))
    if latencies:
        p95 = percentile(latencies, 95)
        print(f"  colour SMS at the gateway: {summary(latencies)}, mean {statistics.mean(latencies):.0f} ms, "
              f"max {max(latencies):.0f} ms, {missing} missing (target p95 < {TARGET_MS} ms) "
              f"{'OK' if p95 < TARGET_MS else 'ABOVE TARGET'}")
        fields.update(p50_ms=f"{percentile(latencies, 50):.0f}", p95_ms=f"{p95:.0f}",
                      p99_ms=f"{percentile(latencies, 99):.0f}", max_ms=f"{max(latencies):.0f}")
    if persons:
        fields.update(where_the_time_goes(stack, meeting_id, posted, persons, readable, arrived))
    print(f"  baseline, the bench's own SMS straight to the gateway at the same rate: {summary(baseline)}")
    fields.update(gateway_p95_ms=f"{percentile(baseline, 95):.0f}", target_p95_ms=TARGET_MS,
                  load1=f"{os.getloadavg()[0]:.1f}")
    print("RESULT name=colour_sms_latency " + " ".join(f"{k}={v}" for k, v in fields.items()))
    return 1 if missing or not latencies or fields.get("unreadable") else 0


if __name__ == "__main__":
    sys.exit(main())
