"""Two notifications workers in one consumer group, as the service scales out; one is SIGKILLed in the middle
of a stream of sign-ups. After the rebalance the survivor takes its partitions over from the committed
offsets: every sign-up answered 201 gets exactly one confirmation."""
import os
import signal
import subprocess
import threading

import pytest
from kafka import KafkaAdminClient

from deploy.local import paths, runner, services
from tests.faults.stream import CONFIRMATION, Stream, dlq_ends, mail_counts, report
from tests.support import unique, wait_until

SERVICE = "notifications"
SIGNUPS = 400
KILL_AT = 150


def group_members(bootstrap: str, group: str) -> int:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        members = admin.describe_groups([group])[group]["members"]
        return sum(1 for m in members if (m.get("member_assignment") or {}).get("assigned_partitions"))
    finally:
        admin.close()


@pytest.fixture
def second_worker(tmp_path):
    """A second `python -m notifications.worker` with exactly the environment the runner gives the first."""
    service = next(s for s in services.SERVICES if s.name == SERVICE)
    env = services._env(service, runner.endpoints())
    log = open(tmp_path / "second-worker.log", "a")
    proc = subprocess.Popen([str(paths.venv_python()), "-m", f"{SERVICE}.worker"], cwd=paths.REPO, env=env,
                            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=40)
        log.close()


@pytest.mark.slow
def test_a_killed_replica_s_messages_are_handled_once_by_the_other(stack, second_worker):
    bootstrap = stack.env["KAFKA_BOOTSTRAP_SERVERS"]
    assert runner.is_running(f"{SERVICE}-worker"), "the runner's notifications worker is not running"
    # Both replicas hold partitions before the stream starts: the kill then takes some away mid-stream.
    wait_until(lambda: group_members(bootstrap, SERVICE) == 2, 60, interval_s=0.5,
               message="both notifications workers to hold partitions")
    run = unique("replica")
    meeting = stack.create_meeting(title=f"Wijkkracht Replica {run}", area="Centrum", capacity=None)
    dead_before = dlq_ends(bootstrap)
    stream = Stream(stack, meeting["id"], run)
    killed = threading.Event()

    def kill(n):
        if n == KILL_AT and not killed.is_set():
            killed.set()
            os.killpg(second_worker.pid, signal.SIGKILL)
            second_worker.wait(timeout=10)

    stream.listeners.append(kill)
    stream.run_all(SIGNUPS)
    assert killed.is_set()
    wanted = {a["email"] for a in stream.answered}
    try:
        wait_until(lambda: len(mail_counts(stack, wanted, CONFIRMATION)) == len(wanted), 150, interval_s=2.0,
                   message="a confirmation for every sign-up")
        # The survivor owns every partition now.
        wait_until(lambda: group_members(bootstrap, SERVICE) == 1, 30, interval_s=0.5,
                   message="the group to drop the killed replica")
    finally:
        confirmations = mail_counts(stack, wanted, CONFIRMATION)
        dead = {t: n - dead_before.get(t, 0) for t, n in dlq_ends(bootstrap).items()}
        report("two workers, one killed", answered=len(stream.answered), refused=dict(stream.refused),
               lost=len(wanted - set(confirmations)),
               duplicated=sum(1 for n in confirmations.values() if n > 1), dead_lettered=sum(dead.values()))
    assert len(stream.answered) == SIGNUPS, dict(stream.refused)
    assert all(n == 1 for n in confirmations.values()), "a confirmation went out twice"
    assert sum(dead.values()) == 0, dead
