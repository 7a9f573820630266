"""Two workers of a service in one consumer group, as the service scales out; one is SIGKILLed in the middle
of a stream. After the rebalance the survivor takes its partitions over from the committed offsets: for
notifications every sign-up answered 201 gets exactly one confirmation; for matching every arrival (at three
evenings, so their events spread over the partitions) gets exactly one colour and one seat; for registration
(its outbox relay publishes the sign-ups, its consumer keeps the door's colours) every sign-up gets one
confirmation and every arrival's colour shows at the door."""
import os
import signal
import subprocess
import threading
import time

import pytest
from kafka import KafkaAdminClient

from deploy.local import paths, runner, services
from tests.faults.stream import (COLOUR, CONFIRMATION, Stream, colours, dlq_ends, duplicates, mail_counts, report,
                                 seated)
from tests.support import unique, wait_until
from wijkkracht import topics

SERVICE = "notifications"
SIGNUPS = 400
KILL_AT = 150


def group_members(bootstrap: str, group: str, topic: str) -> int:
    """How many members of ``group`` hold partitions of ``topic`` (a worker has one member per topic it reads)."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        members = admin.describe_groups([group])[group]["members"]
        held = [(m.get("member_assignment") or {}).get("assigned_partitions") or [] for m in members]
        return sum(1 for assigned in held if any(_topic(a) == topic for a in assigned))
    finally:
        admin.close()


def _topic(assigned) -> str:
    return assigned["topic"] if isinstance(assigned, dict) else assigned[0]


def start_second_worker(name: str, log_path):
    """A second `python -m <service>.worker` with exactly the environment the runner gives the first."""
    service = next(s for s in services.SERVICES if s.name == name)
    env = services._env(service, runner.endpoints())
    log = open(log_path, "a")
    proc = subprocess.Popen([str(paths.venv_python()), "-m", f"{name}.worker"], cwd=paths.REPO, env=env,
                            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    return proc, log


def stop_second_worker(proc, log):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=40)
    log.close()


def evenings_with_a_kill(stack, run: str, second, evenings: int, arrivals: int, kill_at: int, area: str) -> list:
    """Sign-ups and check-ins at several evenings at once (their events spread over the partitions); the
    second worker is SIGKILLed once ``kill_at`` arrivals are in. Returns the evenings' streams, all done."""
    streams = []
    for i in range(evenings):
        meeting = stack.create_meeting(title=f"Wijkkracht Replica {run} {i}", area=area, capacity=None)
        streams.append(Stream(stack, meeting["id"], f"{run}-{i}", checkins=arrivals, clients=3))
    killed = threading.Event()

    def kill(_n):
        if not killed.is_set() and sum(len(s.checked_in) for s in streams) >= kill_at:
            killed.set()
            os.killpg(second.pid, signal.SIGKILL)
            second.wait(timeout=10)

    for stream in streams:
        stream.listeners.append(kill)
    runs = [threading.Thread(target=s.run_all, args=(arrivals,)) for s in streams]
    [t.start() for t in runs]
    [t.join() for t in runs]
    assert killed.is_set()
    return streams


@pytest.fixture
def second_worker(tmp_path):
    proc, log = start_second_worker(SERVICE, tmp_path / "second-worker.log")
    try:
        yield proc
    finally:
        stop_second_worker(proc, log)


@pytest.fixture
def second_registration_worker(tmp_path):
    proc, log = start_second_worker("registration", tmp_path / "second-registration-worker.log")
    try:
        yield proc
    finally:
        stop_second_worker(proc, log)


@pytest.fixture
def second_matching_worker(tmp_path):
    proc, log = start_second_worker("matching", tmp_path / "second-matching-worker.log")
    try:
        yield proc
    finally:
        stop_second_worker(proc, log)


@pytest.mark.slow
def test_a_killed_replica_s_messages_are_handled_once_by_the_other(stack, second_worker):
    bootstrap = stack.env["KAFKA_BOOTSTRAP_SERVERS"]
    assert runner.is_running(f"{SERVICE}-worker"), "the runner's notifications worker is not running"
    # Both replicas hold partitions before the stream starts: the kill then takes some away mid-stream.
    wait_until(lambda: group_members(bootstrap, SERVICE, topics.REGISTRATION) == 2, 60, interval_s=0.5,
               message="both notifications workers to hold partitions")
    run = unique("replica")
    meeting = stack.create_meeting(title=f"Wijkkracht Replica {run}", area="Centrum", capacity=None)
    dead_before = dlq_ends(bootstrap)
    stream = Stream(stack, meeting["id"], run)
    killed = threading.Event()
    killed_at = []

    def kill(n):
        if n == KILL_AT and not killed.is_set():
            killed.set()
            killed_at.append(time.time())
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
        wait_until(lambda: group_members(bootstrap, SERVICE, topics.REGISTRATION) == 1, 30, interval_s=0.5,
                   message="the group to drop the killed replica")
    finally:
        confirmations = mail_counts(stack, wanted, CONFIRMATION)
        allowed, beyond = duplicates([m for m in stack.mail() if m["subject"].startswith(CONFIRMATION)], wanted,
                                     killed_at)
        dead = {t: n - dead_before.get(t, 0) for t, n in dlq_ends(bootstrap).items()}
        report("two workers, one killed", answered=len(stream.answered), refused=dict(stream.refused),
               lost=len(wanted - set(confirmations)), duplicated_at_the_kill=len(allowed),
               duplicated=len(beyond), dead_lettered=sum(dead.values()))
    assert len(stream.answered) == SIGNUPS, dict(stream.refused)
    assert not beyond, f"confirmations sent more than once, beyond what the kill can cause: {beyond}"
    assert sum(dead.values()) == 0, dead


EVENINGS = 3
ARRIVALS_PER_EVENING = 70
KILL_AT_ARRIVALS = 90


@pytest.mark.slow
def test_a_killed_matching_replica_s_arrivals_get_their_colour_once(stack, second_matching_worker):
    bootstrap = stack.env["KAFKA_BOOTSTRAP_SERVERS"]
    assert runner.is_running("matching-worker"), "the runner's matching worker is not running"
    wait_until(lambda: group_members(bootstrap, "matching", topics.REGISTRATION) == 2, 60, interval_s=0.5,
               message="both matching workers to hold partitions")
    dead_before = dlq_ends(bootstrap)
    streams = evenings_with_a_kill(stack, unique("replica-m"), second_matching_worker, EVENINGS,
                                   ARRIVALS_PER_EVENING, KILL_AT_ARRIVALS, "Centrum")

    def arrived_emails(stream):
        arrivals = set(stream.checked_in)
        return {a["email"] for a in stream.answered if a["person_id"] in arrivals}

    def all_coloured():
        return all(len(colours(stack, s.meeting_id)) >= len(s.checked_in)
                   and len(mail_counts(stack, arrived_emails(s), COLOUR)) == len(s.checked_in) for s in streams)

    try:
        wait_until(all_coloured, 150, interval_s=2.0, message="a colour for every arrival")
    finally:
        lost = duplicated = arrivals = 0
        for s in streams:
            shown, seats = colours(stack, s.meeting_id), seated(stack, s.meeting_id)
            mails = mail_counts(stack, arrived_emails(s), COLOUR)
            arrivals += len(s.checked_in)
            lost += len(set(s.checked_in) - set(shown))
            duplicated += sum(1 for n in mails.values() if n > 1) + sum(1 for n in seats.values() if n > 1)
        dead = {t: n - dead_before.get(t, 0) for t, n in dlq_ends(bootstrap).items()}
        report("two matching workers, one killed", arrivals=arrivals, lost=lost, duplicated=duplicated,
               dead_lettered=sum(dead.values()))
    assert arrivals == EVENINGS * ARRIVALS_PER_EVENING
    assert lost == 0 and duplicated == 0 and sum(dead.values()) == 0


REGISTRATION_EVENINGS = 3
REGISTRATION_ARRIVALS = 50
REGISTRATION_KILL_AT = 60


@pytest.mark.slow
def test_a_killed_registration_replica_loses_no_sign_up_event_and_no_colour_at_the_door(
        stack, second_registration_worker):
    """Both replicas relay the outbox and consume the colours; one dies mid-stream. The survivor publishes what
    the dead one had not (each sign-up's confirmation once) and takes its partitions of matching's topic over
    (each arrival's colour at the door)."""
    bootstrap = stack.env["KAFKA_BOOTSTRAP_SERVERS"]
    assert runner.is_running("registration-worker"), "the runner's registration worker is not running"
    wait_until(lambda: group_members(bootstrap, "registration", topics.MATCHING) == 2, 60, interval_s=0.5,
               message="both registration workers to hold partitions")
    dead_before = dlq_ends(bootstrap)
    streams = evenings_with_a_kill(stack, unique("replica-r"), second_registration_worker, REGISTRATION_EVENINGS,
                                   REGISTRATION_ARRIVALS, REGISTRATION_KILL_AT, "Noord")
    wanted = {a["email"] for s in streams for a in s.answered}

    def all_through():
        return (all(len(colours(stack, s.meeting_id)) >= len(s.checked_in) for s in streams)
                and len(mail_counts(stack, wanted, CONFIRMATION)) == len(wanted))

    try:
        wait_until(all_through, 150, interval_s=2.0, message="a confirmation per sign-up and a colour per arrival")
    finally:
        confirmations = mail_counts(stack, wanted, CONFIRMATION)
        arrivals = sum(len(s.checked_in) for s in streams)
        lost_colours = sum(len(set(s.checked_in) - set(colours(stack, s.meeting_id))) for s in streams)
        dead = {t: n - dead_before.get(t, 0) for t, n in dlq_ends(bootstrap).items()}
        report("two registration workers, one killed", answered=len(wanted), arrivals=arrivals,
               lost_confirmations=len(wanted - set(confirmations)), lost_colours=lost_colours,
               duplicated=sum(1 for n in confirmations.values() if n > 1), dead_lettered=sum(dead.values()))
    assert arrivals == REGISTRATION_EVENINGS * REGISTRATION_ARRIVALS
    assert lost_colours == 0 and len(wanted - set(confirmations)) == 0
    assert all(n == 1 for n in confirmations.values()), "a confirmation went out twice"
    assert sum(dead.values()) == 0, dead
