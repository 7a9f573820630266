"""The door's guarantee under a crash: the matching worker is killed with SIGKILL while check-ins stream in,
and started again; every arrival still gets exactly one colour (one decision, however often its event is
redelivered or republished), and the groups stay balanced."""
import json
import os
import signal
import subprocess
import sys
import uuid

import pytest

from tests.support import ROOT, wait_until

from .conftest import Evening, of_meeting

RUNNER = [sys.executable, str(ROOT / "deploy" / "local" / "run.py")]


def worker_pid() -> int | None:
    status = subprocess.run(RUNNER + ["status"], capture_output=True, text=True, timeout=60).stdout
    for line in status.splitlines():
        parts = line.split()
        if parts and parts[0] == "matching-worker" and parts[1] == "running":
            return int(parts[3])
    return None


@pytest.mark.slow
def test_a_killed_worker_loses_no_arrival_and_decides_no_one_twice(stack, publish, reader):
    if worker_pid() is None:
        pytest.skip("the matching worker is not run by the local runner here")
    evening = Evening(group_size=5)
    people = [f"k-{uuid.uuid4().hex[:8]}" for _ in range(60)]
    publish(evening.scheduled())
    publish(*[evening.checked_in(p, expected=60) for p in people[:30]])
    wait_until(lambda: of_meeting(reader.poll(), evening.meeting_id, "colour.assigned"), 60,
               message="the first colours")
    os.kill(worker_pid(), signal.SIGKILL)
    publish(*[evening.checked_in(p, expected=60) for p in people[30:]])
    started = subprocess.run(RUNNER + ["up", "matching-worker"], capture_output=True, text=True, timeout=180)
    assert started.returncode == 0, started.stderr[-2000:]

    def everyone_seated():
        r = stack.get("matching", f"/api/v1/meetings/{evening.meeting_id}/groups", headers=stack.organiser)
        return r.status_code == 200 and sum(len(g["members"]) for g in r.json()["groups"]) == len(people) \
            and r.json()["groups"]

    groups = wait_until(everyone_seated, 180, message="all 60 seated after the kill")
    sizes = [len(g["members"]) for g in groups]
    assert len(groups) == 12 and max(sizes) - min(sizes) <= 1
    colour = {p: g["colour"] for g in groups for p in g["members"]}
    seen = reader.wait_for(lambda s: {e["payload"]["person_id"] for e in of_meeting(s, evening.meeting_id,
                                                                                    "colour.assigned")}
                           >= set(people), 120, message="a colour.assigned for everyone")
    decisions = {}
    for e in of_meeting(seen, evening.meeting_id, "colour.assigned"):
        decisions.setdefault(e["payload"]["person_id"], set()).add((e["event_id"], e["payload"]["colour"]))
    assert all(len(d) == 1 for d in decisions.values()), json.dumps(
        {p: sorted(d) for p, d in decisions.items() if len(d) > 1})
    assert all(next(iter(decisions[p]))[1] == colour[p] for p in people)
