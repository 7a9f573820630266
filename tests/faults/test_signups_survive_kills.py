"""The heart of the design: 1,000 sign-ups while the notifications worker is killed with SIGKILL twice and
the registration worker (the outbox relay) once. Every sign-up answered 201 gets exactly one confirmation in
the SMTP server: none missing, and none twice but what the design allows (stream.duplicates: the very
message a sender had just handed over when it was killed, which SMTP gives no way to ask about)."""
import collections
import concurrent.futures
import threading
import time

import pytest
import requests

from deploy.local import runner
from tests.faults.stream import duplicates
from tests.support import unique, wait_until

SIGNUPS = 1000
# After this many answered sign-ups, kill that worker with SIGKILL and start it again.
KILLS = {200: "notifications-worker", 450: "registration-worker", 700: "notifications-worker"}


@pytest.mark.slow
def test_every_answered_sign_up_gets_exactly_one_confirmation_through_kill_9(stack):
    run = unique("fault")
    meeting = stack.create_meeting(title=f"Wijkkracht Centrum {run}", area="Centrum", capacity=None)
    emails = [f"{run}.{i}@example.org" for i in range(SIGNUPS)]
    answered, refused = [], []
    lock = threading.Lock()
    kills_done = []
    notifications_killed_at = []

    def sign_up(email):
        # A connection of its own per sign-up, as 1,000 phones would have: no keep-alive connection that the
        # server may be closing just as it is reused (that race is the client's, not what this test is about).
        r = requests.post(stack.url("registration", f"/api/v1/meetings/{meeting['id']}/registrations"), json={
            "name": "Bewoner", "email": email, "languages": ["nl"], "interests": ["koken"],
            "preferred_channel": "email", "consent": {"contact": True, "share_with_initiatives": False}},
            headers={"Connection": "close"}, timeout=30)
        with lock:
            (answered if r.status_code == 201 else refused).append((email, r.status_code))
            if r.status_code != 201:
                return
            count = len(answered)
        victim = KILLS.get(count)
        if victim:
            if victim == "notifications-worker":
                notifications_killed_at.append(time.time())
            killed = runner.kill_component(victim)
            runner.start_component(victim)
            kills_done.append((count, victim, killed))

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(sign_up, emails))

    assert len(kills_done) == len(KILLS), f"not every kill happened: {kills_done}"
    assert all(pid for _, _, pid in kills_done), f"a worker was not running when it should be killed: {kills_done}"
    assert not refused, f"{len(refused)} sign-ups were not answered 201: {refused[:5]}"

    wanted = {email for email, _ in answered}

    def confirmations():
        counts = collections.Counter(to for m in stack.mail() for to in m["to"] if to in wanted)
        return counts if len(counts) == len(wanted) else None

    try:
        counts = wait_until(confirmations, 240, interval_s=1.0, message="a confirmation for every sign-up")
    finally:
        mail = stack.mail()
        counts = collections.Counter(to for m in mail for to in m["to"] if to in wanted)
        allowed, beyond = duplicates(mail, wanted, notifications_killed_at)
        print(f"\nsign-ups answered 201: {len(answered)}, confirmations: {sum(counts.values())}, "
              f"missing: {len(wanted - set(counts))}, twice in the instant of a kill: {len(allowed)}, "
              f"twice otherwise: {len(beyond)}, kills: {kills_done}")
    assert not beyond, f"confirmations sent more than once, beyond what a kill can cause: {beyond}"
