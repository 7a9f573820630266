"""Check-in → colour SMS at the gateway: p50/p95/p99 latency at 20 check-ins per second.

    .local/venv/bin/python bench/colour_sms_latency.py [--arrivals 200] [--rate 20] [--direct]

Full path (default): residents sign up by SMS through the registration API; once the notifications service
knows them, the organiser checks them in at ``--rate`` per second (POST .../checkins); registration emits
participant.checked_in, matching assigns the colour, notifications sends "Jouw kleur: ..." to the dev SMS
gateway. Latency = the gateway's received_at minus the moment the check-in was posted.

``--direct`` leaves registration and matching out: it publishes colour.assigned itself at the same rate
and measures publish → gateway (what notifications alone adds).
"""
import argparse
import concurrent.futures
import datetime as dt
import pathlib
import statistics
import sys
import time
import uuid

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.integration.notifications import events as ev  # noqa: E402
from tests.support import Stack, stack_env  # noqa: E402
from wijkkracht import topics  # noqa: E402


def known(stack: Stack, person_id: str) -> bool:
    try:
        return bool(ev.deliveries(stack, person_id=person_id))
    except Exception:  # noqa: BLE001 - a slow answer under load: ask again
        return False


def received(message: dict) -> float:
    return dt.datetime.fromisoformat(message["received_at"].replace("Z", "+00:00")).timestamp()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def paced(items, rate: float, action, workers: int = 16) -> dict:
    """Run ``action(item)`` at ``rate`` per second (not slowed by slow answers); returns {item key: start time}."""
    started = {}
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        t0 = time.time()
        futures = []
        for i, item in enumerate(items):
            delay = t0 + i / rate - time.time()
            if delay > 0:
                time.sleep(delay)
            futures.append(pool.submit(action, item))
        for future in futures:
            key, at = future.result()
            started[key] = at
    return started


def wait_for_colours(stack: Stack, phones: set[str], timeout_s: float) -> dict[str, float]:
    deadline = time.monotonic() + timeout_s
    arrived: dict[str, float] = {}
    while time.monotonic() < deadline and len(arrived) < len(phones):
        for message in stack.sms():
            if message["to"] in phones and "kleur" in message["body"].lower():
                arrived.setdefault(message["to"], received(message))
        time.sleep(1)
    return arrived


def full_path(stack: Stack, arrivals: int, rate: float):
    meeting = stack.create_meeting(title="Wijkkracht Noord", capacity=arrivals + 10)
    meeting_id = meeting["id"]
    phones = {}
    for i in range(arrivals):
        phone = ev.random_mobile()
        signed = stack.sign_up(meeting_id, name=f"Bewoner {i}", email=None, phone=phone, preferred_channel="sms")
        phones[signed["registration_id"]] = (phone, signed["person_id"])
    print(f"  {arrivals} residents signed up by SMS")
    # The resident must be known to notifications before the colour comes, as at a real evening.
    deadline = time.monotonic() + 300
    pending = {person for _, person in phones.values()}
    while pending and time.monotonic() < deadline:
        pending = {p for p in pending if not known(stack, p)}
        time.sleep(1)
    stack.post("registration", f"/api/v1/meetings/{meeting_id}/open-checkin", {}, organiser=True)

    def check_in(registration_id):
        at = time.time()
        r = stack.post("registration", f"/api/v1/meetings/{meeting_id}/checkins",
                       {"registration_id": registration_id}, organiser=True)
        assert r.status_code in (200, 201), r.text
        return phones[registration_id][0], at

    posted = paced(list(phones), rate, check_in)
    return posted


def direct(stack: Stack, arrivals: int, rate: float):
    producer = ev.producer(stack)
    meeting = ev.meeting_scheduled(title="Wijkkracht Noord")
    meeting_id = meeting["payload"]["meeting_id"]
    signups = [ev.registration_created(meeting_id, email=None, phone=ev.random_mobile(), channel="sms")
               for _ in range(arrivals)]
    ev.publish(producer, meeting, *signups)
    deadline = time.monotonic() + 300
    pending = {s["payload"]["person_id"] for s in signups}
    while pending and time.monotonic() < deadline:
        pending = {p for p in pending if not known(stack, p)}
        time.sleep(1)
    colours = ["rood", "blauw", "groen", "geel", "oranje"]

    def assign(signup):
        at = time.time()
        i = signups.index(signup)
        ev.publish(producer, ev.colour_assigned(meeting_id, signup["payload"]["person_id"], colours[i % 5], i % 5 + 1),
                   topic=topics.MATCHING)
        return signup["payload"]["phone"], at

    return paced(signups, rate, assign, workers=1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--arrivals", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--direct", action="store_true", help="publish colour.assigned ourselves")
    args = parser.parse_args()
    stack = Stack(stack_env())
    mode = "colour.assigned published by the bench" if args.direct else "check-in via registration + matching"
    print(f"check-in → colour SMS, {args.arrivals} arrivals at {args.rate:.0f}/s ({mode}) [{uuid.uuid4().hex[:6]}]")
    posted = (direct if args.direct else full_path)(stack, args.arrivals, args.rate)
    arrived = wait_for_colours(stack, set(posted), timeout_s=120)
    latencies = [(arrived[phone] - at) * 1000 for phone, at in posted.items() if phone in arrived]
    missing = len(posted) - len(latencies)
    if not latencies:
        print("RESULT no colour SMS arrived")
        return 1
    print(f"RESULT n={len(latencies)} missing={missing} p50={percentile(latencies, 50):.0f}ms "
          f"p95={percentile(latencies, 95):.0f}ms p99={percentile(latencies, 99):.0f}ms "
          f"mean={statistics.mean(latencies):.0f}ms max={max(latencies):.0f}ms")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
