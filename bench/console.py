"""The organiser's screens with a full store: 50 evenings and 5,000 registrations, p50/p95 of each page (aim:
p95 under 300 ms), against GET /healthz of the same service in the same run as the baseline.

    .local/venv/bin/python bench/console.py [--evenings 50] [--registrations 5000] [--samples 30] [--smoke]

Fills the store through the public API (the organiser token from .local/run/env.json): evenings of its own,
titled "Bench console ...", with residents signing up by email, so tests never see them; a run on a store that
already holds them only tops them up. One of them is the busy evening at the door ("Bench console deur": check-in
open, 40 % of its residents arrived). An organiser account made with the CLI logs in at /inloggen, as at the
door. Measured, one request at a time: the console (/organisator), the door page, the door search (by name and
by code; and by an accent-free name through GET /api/v1/meetings/<id>/registrations?q=, as the page's script
searches), the door's arrivals poll, and an evening's start and close (the API, on evenings of the pool that
were still scheduled); and, to say where the console's time goes, its parts through the API: the list of
evenings and one evening with its counts. Afterwards it waits (bounded) until the new residents' confirmations have left, so the
next benchmark doesn't measure this one's backlog. Ends with one ``RESULT name=console ...`` line.
"""
import argparse
import concurrent.futures
import json
import os
import pathlib
import re
import subprocess
import sys
import threading
import time
import uuid

import requests

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support import Stack, stack_env  # noqa: E402

PREFIX = "Bench console "
DOOR_TITLE = PREFIX + "deur"
# After the tests' evenings, so ours never push theirs off a list of the soonest (a store can hold hundreds).
STARTS_AT = "2030-01-10T19:00:00+01:00"
# The bench's own evenings, remembered between runs (a list of evenings shows only the soonest ones); an id
# the store no longer knows (a wiped store) is forgotten.
KNOWN = ROOT / ".local" / "run" / "bench_console.json"
ORGANISER = "bench.console@wijkkracht.local"
TARGET_MS = 300
FIRST = ["Fatima", "Kees", "Ayşe", "João", "Priya", "Mohamed", "Ingrid", "Samira", "Wim", "Noor", "Daan", "Sanne",
         "Yusuf", "Lotte", "Bram", "Esra", "Ruben", "Mila", "Hamza", "Femke"]
LAST = ["Bakker", "de Vries", "Yılmaz", "Tavares", "Ramdin", "Bouali", "Jansen", "Haddou", "Visser", "Smit",
        "el Amrani", "Mulder", "de Boer", "Kaya", "Peters", "Hendriks", "van Dijk", "Bos", "Dekker", "Meijer"]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else float("nan")


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def ok(r: requests.Response, *statuses: int) -> requests.Response:
    if r.status_code not in (statuses or (200,)):
        raise SystemExit(f"{r.request.method} {r.url} answered {r.status_code}: {r.text[:300]}")
    return r


def retrying(call, timeout_s: float = 120):
    """Filling goes on through a service restarted meanwhile (a sign-up sent twice is the same sign-up)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            r = call()
            if r.status_code not in (502, 503) or time.monotonic() > deadline:
                return r
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
        time.sleep(1)


class Filler:
    """Evenings and sign-ups through the public API, several at a time (one HTTP session per thread)."""

    def __init__(self, stack: Stack, run: str):
        self.stack, self.run = stack, run
        self.local = threading.local()
        self.emails: list[str] = []

    def session(self) -> requests.Session:
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
        return self.local.session

    def bench_evenings(self) -> list[dict]:
        """Every evening of the bench's the store holds, with its counts."""
        meetings = ok(retrying(lambda: self.stack.get("registration", "/api/v1/meetings"))).json()["meetings"]
        ids = set(json.loads(KNOWN.read_text()) if KNOWN.exists() else [])
        ids |= {m["id"] for m in meetings if m["title"].startswith(PREFIX)}
        found = [m for m in (self.counts(i) for i in sorted(ids)) if m]
        self.remember([m["id"] for m in found])
        return found

    def remember(self, ids: list[str]):
        KNOWN.parent.mkdir(parents=True, exist_ok=True)
        known = set(json.loads(KNOWN.read_text()) if KNOWN.exists() else [])
        KNOWN.write_text(json.dumps(sorted(known | set(ids))))

    def counts(self, meeting_id: str) -> dict | None:
        r = retrying(lambda: self.stack.get("registration", f"/api/v1/meetings/{meeting_id}"))
        return None if r.status_code == 404 else ok(r).json()

    def create(self, title: str, capacity: int) -> dict:
        r = retrying(lambda: self.stack.post("registration", "/api/v1/meetings", {
            "title": title, "starts_at": STARTS_AT, "venue": "wijkgebouw de Banier", "area": "Noord",
            "partners": ["Stichting Noordplus"], "capacity": capacity}, organiser=True))
        created = ok(r, 201).json()
        self.remember([created["id"]])
        return created

    def sign_up(self, meeting_id: str, n: int) -> dict:
        email = f"bench.console.{self.run}.{meeting_id[-6:]}.{n}@example.org"
        body = {"name": f"{FIRST[n % len(FIRST)]} {LAST[(n // len(FIRST)) % len(LAST)]}", "email": email,
                "languages": ["nl"], "interests": ["koken"], "preferred_channel": "email",
                "consent": {"contact": True, "share_with_initiatives": True}}
        url = self.stack.url("registration", f"/api/v1/meetings/{meeting_id}/registrations")
        r = retrying(lambda: self.session().post(url, json=body, timeout=60))
        self.emails.append(email)
        return ok(r, 201, 200).json()

    def registrations_in_store(self, evenings: list[dict] | None = None) -> int:
        return sum(m.get("confirmed", 0) + m.get("waitlisted", 0) for m in evenings or self.bench_evenings())

    def top_up(self, evenings: list[dict], per_evening: int) -> int:
        jobs = []
        for m in evenings:
            counts = self.counts(m["id"])
            have = counts.get("confirmed", 0) + counts.get("waitlisted", 0)
            jobs += [(m["id"], n) for n in range(have, per_evening)]
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda job: self.sign_up(*job), jobs))
        return len(jobs)


def fill(stack: Stack, args, run: str) -> tuple[dict, list[dict], Filler]:
    """The pool of bench evenings, topped up; returns the door's evening, evenings to start and close, the filler."""
    filler = Filler(stack, run)
    per_evening = max(1, args.registrations // args.evenings)
    existing = filler.bench_evenings()
    door = next((m for m in existing if m["title"] == DOOR_TITLE), None) or filler.create(DOOR_TITLE, per_evening)
    others = [m for m in existing if m["title"] != DOOR_TITLE]
    startable = [m for m in others if m["status"] == "scheduled"]
    missing = max(0, args.evenings - 1 - len(others), args.lifecycle - len(startable))
    number = len(others)
    for _ in range(missing):
        number += 1
        startable.append(filler.create(f"{PREFIX}{number:03d} {run}", per_evening))
    started = time.monotonic()
    signed_up = filler.top_up([door] + startable, per_evening)
    # Evenings closed by earlier (smaller) runs keep what they had: more evenings until the store holds enough.
    short = args.registrations - filler.registrations_in_store()
    while short > 0:
        number += 1
        extra = filler.create(f"{PREFIX}{number:03d} {run}", per_evening)
        signed_up += filler.top_up([extra], min(per_evening, short))
        short -= per_evening
    if signed_up:
        print(f"  {signed_up} sign-ups through the API in {time.monotonic() - started:.0f}s")
    door_counts = filler.counts(door["id"])
    if door_counts["status"] == "scheduled":
        ok(stack.post("registration", f"/api/v1/meetings/{door['id']}/open-checkin", {}, organiser=True))
    arrivals = int(0.4 * per_evening) - door_counts.get("checked_in", 0)
    if arrivals > 0:
        registrations = ok(stack.get("registration", f"/api/v1/meetings/{door['id']}/registrations",
                                     headers=stack.organiser)).json()["registrations"]
        for reg in registrations[:int(0.4 * per_evening)]:
            ok(stack.post("registration", f"/api/v1/meetings/{door['id']}/checkins",
                          {"registration_id": reg["registration_id"]},
                          organiser=True), 200, 201)
    return door, startable[:args.lifecycle], filler


def organiser_session(stack: Stack, run: str) -> requests.Session:
    """Log in at /inloggen as an organiser made with the CLI (a fresh password each run; never in argv)."""
    password = f"bench-{run}-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "MONGODB_URI": stack.env.get("MONGODB_URI", "mongodb://127.0.0.1:27017/")}
    for command in ("create-organiser", "set-password"):
        done = subprocess.run([sys.executable, "-m", "registration.cli", command, ORGANISER], input=password + "\n",
                              text=True, capture_output=True, env=env, timeout=120)
        if done.returncode == 0:
            break
    else:
        raise SystemExit(f"cannot make the organiser account: {done.stderr.strip()}")
    session = requests.Session()
    page = ok(session.get(stack.url("registration", "/inloggen"), timeout=30))
    r = ok(session.post(stack.url("registration", "/inloggen"), timeout=30,
                        data={"csrf_token": csrf(page.text), "email": ORGANISER, "password": password}))
    if "/organisator" not in r.url:
        raise SystemExit(f"login did not reach the console: {r.url}")
    return session


def timed(requests_, budget_s: float = 60, at_least: int = 5) -> list[float]:
    """Milliseconds of each request, one at a time; a page that takes seconds stops after ``budget_s``."""
    times = []
    started = time.monotonic()
    for request in requests_:
        if len(times) >= at_least and time.monotonic() - started > budget_s:
            break
        t0 = time.perf_counter()
        request()
        times.append((time.perf_counter() - t0) * 1000)
    return times


def wait_for_confirmations(stack: Stack, emails: list[str], timeout_s: float) -> float | None:
    """Seconds until the last few sign-ups' confirmations reached the SMTP server (the backlog drained)."""
    if not emails:
        return 0.0
    last = emails[-10:]
    started = time.monotonic()
    url = stack.env["MAIL_API_URL"].rstrip("/") + "/api/messages"
    while time.monotonic() - started < timeout_s:
        found = {to for m in stack.http.get(url, params={"to": last}, timeout=60).json()["messages"] for to in m["to"]}
        if all(e in found for e in last):
            return time.monotonic() - started
        time.sleep(2)
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--evenings", type=int)
    parser.add_argument("--registrations", type=int)
    parser.add_argument("--samples", type=int, help="requests per page (fewer where a page takes seconds)")
    parser.add_argument("--lifecycle", type=int, help="evenings started and closed")
    parser.add_argument("--smoke", action="store_true", help="a few evenings, ~100 registrations, in seconds")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # a long run shows its progress
    args.evenings = args.evenings or (3 if args.smoke else 50)
    args.registrations = args.registrations or (100 if args.smoke else 5000)
    args.samples = args.samples or (5 if args.smoke else 30)
    args.lifecycle = args.lifecycle or (2 if args.smoke else 20)
    stack = Stack(stack_env())
    run = uuid.uuid4().hex[:6]
    print(f"organiser console with {args.evenings} evenings and {args.registrations} registrations of the bench's own "
          f"[{run}]")
    door, lifecycle, filler = fill(stack, args, run)
    pool = filler.bench_evenings()
    in_store = filler.registrations_in_store(pool)
    print(f"  the store holds {len(pool)} bench evenings with {in_store} registrations "
          f"({len(ok(stack.get('registration', '/api/v1/meetings')).json()['meetings'])} evenings listed in all)")

    session = organiser_session(stack, run)
    reg = lambda path: stack.url("registration", path)  # noqa: E731
    door_html = ok(session.get(reg(f"/deur/{door['id']}"), timeout=60)).text
    token = csrf(door_html)
    code = ok(stack.get("registration", f"/api/v1/meetings/{door['id']}/registrations",
                        headers=stack.organiser)).json()["registrations"][-1]["code"]
    measures = {
        "healthz": lambda: ok(session.get(reg("/healthz"), timeout=60)),
        "console": lambda: ok(session.get(reg("/organisator"), timeout=60)),
        "door": lambda: ok(session.get(reg(f"/deur/{door['id']}"), timeout=60)),
        "search_name": lambda: ok(session.post(reg(f"/deur/{door['id']}/zoeken"), timeout=60,
                                               data={"csrf_token": token, "q": "sami"})),
        "search_code": lambda: ok(session.post(reg(f"/deur/{door['id']}/zoeken"), timeout=60,
                                               data={"csrf_token": token, "q": code.lower()})),
        # The door page's script: GET ?q= with the volunteer's session, typed without accents or capitals.
        "search_api": lambda: ok(session.get(reg(f"/api/v1/meetings/{door['id']}/registrations"), timeout=60,
                                             params={"q": "ayse yilmaz"})),
        "arrivals": lambda: ok(session.get(reg(f"/deur/{door['id']}/aankomsten.json"), timeout=60)),
        # The console's parts through the public API: the list of evenings, and one evening with its counts.
        "api_evenings": lambda: ok(session.get(reg("/api/v1/meetings"), timeout=60)),
        "api_evening": lambda: ok(session.get(reg(f"/api/v1/meetings/{door['id']}"), timeout=60)),
    }
    for m in lifecycle:
        measures.setdefault("start", []).append(
            lambda m=m: ok(stack.post("registration", f"/api/v1/meetings/{m['id']}/start", {}, organiser=True)))
    for m in lifecycle:
        measures.setdefault("close", []).append(
            lambda m=m: ok(stack.post("registration", f"/api/v1/meetings/{m['id']}/close", {}, organiser=True)))
    fields = {"evenings": len(pool), "registrations": in_store}
    base, worst = None, 0.0
    for name, requests_ in measures.items():
        values = (timed(requests_, budget_s=float("inf")) if isinstance(requests_, list)
                  else timed([requests_] * args.samples))
        p50, p95 = percentile(values, 50), percentile(values, 95)
        base = base or p95  # /healthz goes first
        verdict = "" if name == "healthz" else (" OK" if p95 < TARGET_MS else " ABOVE TARGET")
        print(f"  {name:12s} n={len(values):3d}  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  max {max(values):7.1f} ms"
              f"  ({p95 / base:.0f}x /healthz){verdict}", flush=True)
        fields[f"{name}_p50_ms"], fields[f"{name}_p95_ms"] = f"{p50:.0f}", f"{p95:.0f}"
        if name != "healthz":
            worst = max(worst, p95)
    fields.update(worst_p95_ms=f"{worst:.0f}", worst_to_healthz=f"{worst / base:.0f}", target_p95_ms=TARGET_MS,
                  load1=f"{os.getloadavg()[0]:.1f}")
    drained = wait_for_confirmations(stack, filler.emails, 60 if args.smoke else 900)
    print(f"  the new residents' confirmations: "
          f"{'none needed' if not filler.emails else f'sent within {drained:.0f}s' if drained is not None else 'NOT all sent yet'}")
    print("RESULT name=console " + " ".join(f"{k}={v}" for k, v in fields.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
