"""What the outage fault tests share: a stream of sign-ups and check-ins against the running stack, the
counts a user would notice (confirmations and colours in the dev mail server, the organiser's endpoints),
and the dead-letter topics' ends, so a test can say nothing landed there meanwhile."""
import collections
import concurrent.futures
import datetime as dt
import threading
import time

import requests
from kafka import KafkaConsumer, TopicPartition

from notifications import config as notifications_config
from wijkkracht import topics

CONFIRMATION = "Je bent aangemeld"
COLOUR = "Jouw kleur"


class Stream:
    """Sign-ups (and optionally check-ins of the first ``checkins`` answered) from a pool of clients; every
    answer is kept, and ``on_answered(n)`` is called after the n-th 201 so a test can stage its fault."""

    def __init__(self, stack, meeting_id: str, run: str, checkins: int = 0, clients: int = 8):
        self.stack, self.meeting_id, self.run = stack, meeting_id, run
        self.checkins_wanted, self.clients = checkins, clients
        self.answered: list[dict] = []      # 201s: {"email", "registration_id", "person_id"}
        self.refused = collections.Counter()  # status -> count, for everything not 201
        self.retry_after_missing = 0
        self.checked_in: list[str] = []     # person ids answered 200/201 at the door
        self.lock = threading.Lock()
        self.listeners = []
        self.before = None  # before(i) is called before the i-th sign-up is sent: a test may hold it there

    def sign_up(self, i: int, until=None):
        if self.before is not None:
            self.before(i)
        email = f"{self.run}.{i}@example.org"
        body = {"name": "Bewoner", "email": email, "languages": ["nl"], "interests": ["koken"],
                "preferred_channel": "email", "consent": {"contact": True, "share_with_initiatives": False}}
        url = self.stack.url("registration", f"/api/v1/meetings/{self.meeting_id}/registrations")
        retried = False
        while True:
            try:
                r = requests.post(url, json=body, headers={"Connection": "close"}, timeout=30)
            except requests.RequestException:
                self.count_refused("no answer")
                retried = True
                if until is not None and until():
                    return
                continue
            if r.status_code == 201:
                break
            if r.status_code == 200 and retried:
                # An earlier try was stored though its answer was lost or a 503: the retry learns only
                # "already registered" (as a resident would); the organiser's view gives its ids.
                r = requests.post(url, json=body, headers={**self.stack.organiser, "Connection": "close"},
                                  timeout=30)
                if r.status_code in (200, 201) and r.json().get("registration_id"):
                    break
            retried = True
            self.count_refused(r.status_code)
            if r.status_code == 503 and not r.headers.get("Retry-After"):
                with self.lock:
                    self.retry_after_missing += 1
            if r.status_code not in (429, 503) or (until is not None and until()):
                return  # anything but "try again" is a refusal the test reports
            time.sleep(min(float(r.headers.get("Retry-After") or 1), 2))  # the client honours Retry-After
        doc = r.json()
        with self.lock:
            self.answered.append({"email": email, "registration_id": doc["registration_id"],
                                  "person_id": doc["person_id"]})
            n = len(self.answered)
        if n <= self.checkins_wanted:
            self.check_in(doc)
        for listener in self.listeners:
            listener(n)

    def check_in(self, doc: dict):
        url = self.stack.url("registration", f"/api/v1/meetings/{self.meeting_id}/checkins")
        while True:
            try:
                r = requests.post(url, json={"registration_id": doc["registration_id"]},
                                  headers={**self.stack.organiser, "Connection": "close"}, timeout=30)
            except requests.RequestException:
                continue
            if r.status_code in (200, 201):
                with self.lock:
                    self.checked_in.append(doc["person_id"])
                return
            self.count_refused(f"checkin {r.status_code}")
            if r.status_code != 503:
                return
            time.sleep(1)

    def count_refused(self, what):
        with self.lock:
            self.refused[what] += 1

    def run_all(self, count: int):
        with concurrent.futures.ThreadPoolExecutor(max_workers=self.clients) as pool:
            list(pool.map(self.sign_up, range(count)))


def mail_counts(stack, wanted: set[str], subject: str) -> collections.Counter:
    return collections.Counter(to for m in stack.mail() if m["subject"].startswith(subject)
                               for to in m["to"] if to in wanted)


# DESIGN §2: a message can reach the mail server twice only if its sender is killed in the instant between
# the server taking it and our mark of it (SMTP offers no way to ask afterwards, so it is sent again, with the
# same Message-ID). How far that instant may lie from the kill on this loaded machine, and how many messages
# it can hold: one per sender thread of the killed worker.
KILL_INSTANT_S = 2.0
SENDER_THREADS = notifications_config.sender_threads()


def duplicates(messages: list[dict], wanted: set[str], kills_at: list[float]) -> tuple[list[str], dict[str, str]]:
    """The recipients of ``wanted`` who got a message more than once: those the design allows (a second copy
    of the very message in hand at a kill, at ``kills_at`` as ``time.time()``), and those it does not, with why."""
    copies = collections.defaultdict(list)
    for m in messages:
        for to in m["to"]:
            if to in wanted:
                copies[to].append(m)
    allowed, beyond, per_kill = [], {}, collections.Counter()
    for to, got in copies.items():
        if len(got) < 2:
            continue
        first = min(dt.datetime.fromisoformat(m["received_at"]).timestamp() for m in got)
        near = [k for k in kills_at if k - KILL_INSTANT_S <= first <= k + 1.0]
        if len(got) > 2 or len({m["message_id"] for m in got}) > 1:
            beyond[to] = f"{len(got)} messages, Message-IDs {sorted({m['message_id'] for m in got})}"
        elif not near:
            beyond[to] = f"twice, the first at {first:.3f}, not at a kill ({', '.join(f'{k:.3f}' for k in kills_at)})"
        else:
            per_kill[near[0]] += 1
            allowed.append(to)
    for kill, n in per_kill.items():
        if n > SENDER_THREADS:
            beyond[f"kill at {kill:.3f}"] = f"{n} messages twice, more than the {SENDER_THREADS} senders had in hand"
    return allowed, beyond


def colours(stack, meeting_id: str) -> dict[str, str]:
    r = stack.get("registration", f"/api/v1/meetings/{meeting_id}/checkins", headers=stack.organiser)
    r.raise_for_status()
    return {c["person_id"]: c["colour"] for c in r.json()["checkins"] if c["colour"]}


def seated(stack, meeting_id: str) -> collections.Counter:
    """How often matching seats each person: once is right."""
    r = stack.get("matching", f"/api/v1/meetings/{meeting_id}/groups", headers=stack.organiser)
    r.raise_for_status()
    return collections.Counter(p for g in r.json()["groups"] for p in g["members"])


def dlq_ends(bootstrap: str) -> dict[str, int]:
    """How many messages each dead-letter topic holds (its partitions' end offsets, summed)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    try:
        out = {}
        for topic in topics.ALL:
            name = topics.dlq(topic)
            tps = [TopicPartition(name, p) for p in sorted(consumer.partitions_for_topic(name) or ())]
            out[name] = sum(consumer.end_offsets(tps).values()) if tps else 0
        return out
    finally:
        consumer.close()


def report(label: str, **counts):
    print(f"\n{label}: " + ", ".join(f"{k}: {v}" for k, v in counts.items()), flush=True)
