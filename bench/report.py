"""The series report over 100 evenings of 60 residents each: p50/p95 of GET /api/v1/reports/series (aim: p95
under 300 ms, DESIGN §5), by evening ids and by a period and area, and of one evening's report, against GET
/healthz of the same service in the same run as the baseline.

    .local/venv/bin/python bench/report.py [--evenings 100] [--residents 60] [--samples 30] [--smoke]

The report's read model is filled in registration's database in the shape its event handlers write
(``registration.report_events``; the smoke mode, and ``--by-events``, go through the handlers themselves, event
by event: meeting.scheduled, registration.created, participant.checked_in, colour.assigned, match.accepted),
then settled as the worker's settle job does (the digests the series reads). Not through Kafka: the other services would send 6,000 confirmations and colours to made-up residents. The bench's evenings
live only in the report's collections (from 2031, area "Bench report"), so no page or test sees them;
a run on a store that holds them already only measures. A third of each evening's residents came before.
Ends with one ``RESULT name=report ...`` line.
"""
import argparse
import datetime as dt
import pathlib
import random
import statistics
import sys
import time
import uuid

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "services" / "registration"))

import requests  # noqa: E402
from pymongo import MongoClient  # noqa: E402
from wijkkracht.events import new_event, parse_event  # noqa: E402

from registration import report_events  # noqa: E402
from registration.adapters.reports_store import ReportStore  # noqa: E402
from tests.support import Stack, stack_env  # noqa: E402

# The full run's evenings, and the smoke run's in an area and years of their own (so neither counts the other's).
AREAS = {False: ("Bench report", dt.date(2031, 1, 6)), True: ("Bench report smoke", dt.date(2035, 1, 1))}
TARGET_MS = 300
POSTCODES = ["3021 AB", "3031 CD", "3011 EF", "3071 GH", "3081 JK", "3061 LM", "1012 AB", ""]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else float("nan")


class Runtime:
    def __init__(self, db):
        self.db = db


def handle(runtime, event_type: str, payload: dict, key: str):
    event = parse_event(new_event(event_type, payload, key=key, producer="bench"))
    for handler in report_events.REPORT_HANDLERS[event_type]:
        handler(event, runtime)


def meeting_id_of(size: str, n: int) -> str:
    """Deterministic per size, so a second run finds the evenings of the first."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"bench-report/{size}/{n}").hex


def _id(rng: random.Random) -> str:
    """Ids drawn from the seeded generator: a second fill of the same size writes the same documents."""
    return uuid.UUID(int=rng.getrandbits(128)).hex


def plan_evening(size: str, n: int, residents: int, pool: list[str], rng: random.Random, area: str,
                 first: dt.date) -> dict:
    """Who comes to evening ``n`` (a third came before), where they live, their tables and answers."""
    meeting_id = meeting_id_of(size, n)
    starts_at = dt.datetime.combine(first, dt.time(18), dt.timezone.utc) + dt.timedelta(days=7 * n)
    returning = rng.sample(pool, min(len(pool), residents // 3))
    people = returning + [_id(rng) for _ in range(residents - len(returning))]
    pool.extend(people[len(returning):])
    return {"meeting_id": meeting_id, "title": f"Bench report {n}", "starts_at": starts_at, "area": area,
            "arrivals": [{"person_id": person, "registration_id": _id(rng), "walk_in": i % 15 == 0,
                          "postcode": rng.choice(POSTCODES) or None, "table": i % (residents // 6 or 1) + 1,
                          "accepts": i % 10 == 0} for i, person in enumerate(people)]}


def fill_by_events(runtime, evening: dict):
    """Through the report's handlers, event by event, as the worker does (the smoke mode)."""
    meeting_id, starts_at = evening["meeting_id"], evening["starts_at"].isoformat()
    handle(runtime, "meeting.scheduled", {"meeting_id": meeting_id, "title": evening["title"], "starts_at": starts_at,
                                          "venue": "Bench", "area": evening["area"],
                                          "initiative_ids": ["bench-a", "bench-b"]},
           meeting_id)
    for a in evening["arrivals"]:
        handle(runtime, "registration.created", {
            "registration_id": a["registration_id"], "person_id": a["person_id"], "meeting_id": meeting_id,
            "status": "confirmed", "name": "Bench", "postcode": a["postcode"], "preferred_channel": "email",
            "consent": {"contact": True}, "walk_in": a["walk_in"]}, meeting_id)
        handle(runtime, "participant.checked_in", {
            "meeting_id": meeting_id, "person_id": a["person_id"], "registration_id": a["registration_id"],
            "checked_in_at": starts_at, "walk_in": a["walk_in"]}, meeting_id)
        handle(runtime, "colour.assigned", {"meeting_id": meeting_id, "person_id": a["person_id"], "colour": "rood",
                                            "table": a["table"]}, meeting_id)
        if a["accepts"]:
            handle(runtime, "match.accepted", {"meeting_id": meeting_id, "person_id": a["person_id"],
                                               "initiative_id": "bench-a", "role_id": "bench-role"}, meeting_id)


def fill_in_bulk(db, evening: dict):
    """The same documents the handlers write, a few writes per evening (event by event, 24,000 events take
    half an hour on this store): the read being measured is the same either way."""
    from pymongo import UpdateOne
    from wijkkracht import areas
    meeting_id, arrivals = evening["meeting_id"], evening["arrivals"]
    db.report_registrations.bulk_write([UpdateOne({"_id": a["registration_id"]}, {"$set": {
        "meeting_id": meeting_id, "person_id": a["person_id"], "status": "confirmed", "walk_in": a["walk_in"],
        "area": areas.area_of(a["postcode"])}}, upsert=True) for a in arrivals], ordered=False)
    db.report_people.bulk_write([UpdateOne({"_id": a["person_id"]}, {"$set": {f"seats.{meeting_id}": a["table"]},
                                                                      "$addToSet": {"meetings": meeting_id}},
                                           upsert=True) for a in arrivals], ordered=False)
    db.report_evenings.update_one({"_id": meeting_id}, {"$set": {
        "title": evening["title"], "starts_at": evening["starts_at"], "month": evening["starts_at"].strftime("%Y-%m"),
        "area": evening["area"], "initiative_ids": ["bench-a", "bench-b"],
        "attended": {a["person_id"]: {"walk_in": a["walk_in"], "area": areas.area_of(a["postcode"])} for a in arrivals},
        "tables": {a["person_id"]: a["table"] for a in arrivals},
        "answers": {f"{a['person_id']}:bench-a:bench-role": "accepted" for a in arrivals if a["accepts"]},
        "dirty": True, "version": uuid.uuid4().hex}}, upsert=True)


def fill(db, evenings: int, residents: int, by_events: bool, area: str, first: dt.date) -> list[str]:
    size = f"{evenings}x{residents}"
    ids = [meeting_id_of(size, n) for n in range(evenings)]
    have = {d["_id"] for d in db.report_digests.find({"area": area}, {"_id": 1})}
    for stale in have - set(ids):  # another size's evenings in the bench's area: the period would count them
        db.report_digests.delete_one({"_id": stale})
        db.report_evenings.delete_one({"_id": stale})
    if set(ids) <= have:
        print(f"store already holds the {evenings} bench evenings of {residents}")
        return ids
    runtime, rng, pool = Runtime(db), random.Random(7), []
    started = time.monotonic()
    plans = [plan_evening(size, n, residents, pool, rng, area, first) for n in range(evenings)]
    for plan in plans:
        fill_by_events(runtime, plan) if by_events else fill_in_bulk(db, plan)
    starts: dict = {}
    while report_events.settle_once(db, starts):
        pass
    print(f"filled {evenings} evenings x {residents} residents {'by events' if by_events else 'in bulk'} "
          f"in {time.monotonic() - started:.1f} s")
    return ids


def get(stack: Stack, path: str, headers=None, timeout_s: float = 120):
    """A GET that waits out a restart of the service (the stack is shared): refused or 502/503, again."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            r = stack.http.get(stack.url("registration", path), headers=headers or {}, timeout=30)
            if r.status_code not in (502, 503) or time.monotonic() > deadline:
                return r
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
        time.sleep(1)


def measure(stack: Stack, path: str, samples: int, headers=None) -> list[float]:
    times = []
    for _ in range(samples):
        get(stack, path, headers)  # up: a restart is not measured
        t = time.perf_counter()
        r = stack.http.get(stack.url("registration", path), headers=headers or {}, timeout=30)
        times.append((time.perf_counter() - t) * 1000)
        if r.status_code != 200:
            raise SystemExit(f"GET {path} answered {r.status_code}: {r.text[:300]}")
    return times


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--evenings", type=int, default=100)
    parser.add_argument("--residents", type=int, default=60)
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--smoke", action="store_true", help="3 evenings of 10, 5 samples: the code path only")
    parser.add_argument("--by-events", action="store_true", help="fill event by event also when not smoke (slow)")
    args = parser.parse_args()
    if args.smoke:
        args.evenings, args.residents, args.samples = 3, 10, 5
    stack = Stack(stack_env())
    client = MongoClient(stack.env.get("MONGODB_URI", "mongodb://127.0.0.1:27117/"), tz_aware=True)
    db = client["registration"]
    report_events.ensure_indexes(db)
    ReportStore(db).mend_directory()  # as the worker does when it starts: digests settled before it get a bucket
    area, first = AREAS[args.smoke]
    ids = fill(db, args.evenings, args.residents, args.smoke or args.by_events, area, first)
    organiser = stack.organiser
    last = first + dt.timedelta(days=7 * (args.evenings - 1))
    by_ids = "/api/v1/reports/series?meeting_ids=" + ",".join(ids)
    by_period = f"/api/v1/reports/series?from={first}&to={last}&area={area.replace(' ', '%20')}"
    series = get(stack, by_ids, organiser).json()
    assert series["evenings"] == args.evenings and series["attended"] == args.evenings * args.residents, series
    assert get(stack, by_period, organiser).json()["meetings"] == series["meetings"]
    print(f"series: {series['evenings']} evenings, {series['attended']} attendances, "
          f"{series['unique_residents']} residents, {series['returning_residents']} returning, "
          f"{series['new_encounters']} new encounters")
    measure(stack, by_ids, 2, organiser)  # warm: connections, caches
    results = {
        "healthz": measure(stack, "/healthz", args.samples),
        "series_by_ids": measure(stack, by_ids, args.samples, organiser),
        "series_by_period": measure(stack, by_period, args.samples, organiser),
        "series_csv": measure(stack, by_ids, args.samples, {**organiser, "Accept": "text/csv"}),
        "meeting": measure(stack, f"/api/v1/reports/meetings/{ids[-1]}", args.samples, organiser),
    }
    base = statistics.median(results["healthz"])
    for name, times in results.items():
        print(f"{name:18s} p50 {percentile(times, 50):7.1f} ms  p95 {percentile(times, 95):7.1f} ms  "
              f"({percentile(times, 50) / base:.1f}x healthz)")
    p95 = percentile(results["series_by_ids"], 95)
    print(f"target: series p95 under {TARGET_MS} ms: {'met' if p95 < TARGET_MS else 'MISSED'}")
    fields = {"evenings": args.evenings, "residents": args.residents, "samples": args.samples,
              **{f"{name}_p95_ms": round(percentile(times, 95), 1) for name, times in results.items()},
              "series_p50_ms": round(percentile(results["series_by_ids"], 50), 1),
              "baseline_healthz_p50_ms": round(base, 1),
              "ratio_series_p95_to_healthz": round(p95 / base, 1), "target_ms": TARGET_MS,
              "met": p95 < TARGET_MS}
    print("RESULT name=report " + " ".join(f"{k}={v}" for k, v in fields.items()))


if __name__ == "__main__":
    main()
