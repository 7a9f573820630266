"""Kafka stopped and started again in the middle of 500 sign-ups and 200 check-ins. Sign-ups and check-ins
answered meanwhile wait in their outboxes; consumers keep their messages. Afterwards every 201 has exactly
one confirmation and every arrival exactly one colour (one seat at matching, one colour message)."""
import threading

import pytest

from deploy.local import runner
from tests.faults.stream import COLOUR, CONFIRMATION, Stream, colours, dlq_ends, mail_counts, report, seated
from tests.support import unique, wait_until

SIGNUPS = 500
CHECKINS = 200
STOP_AT = 120        # answered sign-ups when Kafka goes away
OUTAGE_SIGNUPS = 80  # sign-ups answered during the outage before it comes back


@pytest.mark.slow
def test_a_kafka_restart_loses_and_repeats_nothing(stack):
    run = unique("kafka")
    meeting = stack.create_meeting(title=f"Wijkkracht Kafka {run}", area="Centrum", capacity=None)
    mid = meeting["id"]
    dead_before = dlq_ends(stack.env["KAFKA_BOOTSTRAP_SERVERS"])
    stream = Stream(stack, mid, run, checkins=CHECKINS)
    went_down, came_back = threading.Event(), threading.Event()
    outage = {}

    def stage(n):
        if n == STOP_AT and not went_down.is_set():
            went_down.set()
            outage["stopped_pid"] = runner.stop_component("kafka")
            outage["answered_when_down"] = len(stream.answered)
        elif went_down.is_set() and not came_back.is_set() \
                and len(stream.answered) >= outage.get("answered_when_down", 10 ** 9) + OUTAGE_SIGNUPS:
            came_back.set()
            outage["answered_during"] = len(stream.answered) - outage["answered_when_down"]
            runner.start_component("kafka")

    stream.listeners.append(stage)
    try:
        stream.run_all(SIGNUPS)
    finally:
        if not runner.is_running("kafka"):
            runner.start_component("kafka")  # never leave the shared stack without its broker
    assert went_down.is_set() and came_back.is_set(), f"the outage was not staged: {outage}"
    assert outage["stopped_pid"], "Kafka was not running when the test stopped it"

    wanted = {a["email"] for a in stream.answered}
    arrivals = set(stream.checked_in)

    def all_arrived():
        return (len(mail_counts(stack, wanted, CONFIRMATION)) == len(wanted)
                and len(colours(stack, mid)) >= len(arrivals)
                and len(mail_counts(stack, {a["email"] for a in stream.answered if a["person_id"] in arrivals},
                                    COLOUR)) == len(arrivals))

    try:
        wait_until(all_arrived, 240, interval_s=2.0, message="every confirmation and every colour")
    finally:
        confirmations = mail_counts(stack, wanted, CONFIRMATION)
        arrived_emails = {a["email"] for a in stream.answered if a["person_id"] in arrivals}
        colour_mails = mail_counts(stack, arrived_emails, COLOUR)
        seats = seated(stack, mid)
        shown = colours(stack, mid)
        dead = {t: n - dead_before.get(t, 0) for t, n in dlq_ends(stack.env["KAFKA_BOOTSTRAP_SERVERS"]).items()}
        report("kafka restart", answered=len(stream.answered), refused=dict(stream.refused),
               answered_during_outage=outage.get("answered_during"), checked_in=len(arrivals),
               lost=(len(wanted - set(confirmations)) + len(arrivals - set(shown))),
               lost_confirmations=len(wanted - set(confirmations)), lost_colours=len(arrivals - set(shown)),
               duplicated=(sum(1 for n in confirmations.values() if n > 1)
                           + sum(1 for n in colour_mails.values() if n > 1)
                           + sum(1 for n in seats.values() if n > 1)),
               dead_lettered=sum(dead.values()))
    assert len(stream.answered) == SIGNUPS, f"sign-ups not answered 201: {dict(stream.refused)}"
    assert len(arrivals) == CHECKINS
    assert all(n == 1 for n in confirmations.values()), "a confirmation went out twice"
    assert all(n == 1 for n in colour_mails.values()), "a colour message went out twice"
    assert set(seats) == arrivals and all(n == 1 for n in seats.values()), "an arrival seated twice or not at all"
    assert sum(dead.values()) == 0, f"dead-lettered during the outage: {dead}"
