"""The document store down for 60 s in the middle of a stream of sign-ups and check-ins. Meanwhile the API
answers 503 with Retry-After (the clients try again when told); the workers hold the messages they cannot
handle instead of dead-lettering them. Afterwards everything flows again within seconds: nothing answered
201 is lost, nothing is repeated and nothing lands in a dead-letter topic."""
import threading
import time

import pytest
import requests

from deploy.local import runner
from tests.faults.stream import COLOUR, CONFIRMATION, Stream, colours, dlq_ends, mail_counts, report, seated
from tests.support import unique, wait_until

SIGNUPS = 300
CHECKINS = 100
STOP_AT = 80
OUTAGE_S = 60
FLOWS_AGAIN_S = 20  # from the store's return to the first sign-up answered 201


@pytest.mark.slow
def test_a_store_outage_is_a_503_and_loses_nothing(stack):
    run = unique("store")
    meeting = stack.create_meeting(title=f"Wijkkracht Store {run}", area="Centrum", capacity=None)
    mid = meeting["id"]
    dead_before = dlq_ends(stack.env["KAFKA_BOOTSTRAP_SERVERS"])
    stream = Stream(stack, mid, run, checkins=CHECKINS)
    down = threading.Event()
    store_gone = threading.Event()
    outage = {}

    def after_the_stop(i):
        # Sign-ups are fast: the rest of the stream would be answered before the store is even down. So the
        # sign-ups after the first STOP_AT (and those in flight) are sent once it is, and meet the outage.
        if i >= STOP_AT + stream.clients:
            store_gone.wait(timeout=OUTAGE_S)

    def stage(n):
        if n == STOP_AT and not down.is_set():
            down.set()
            threading.Thread(target=hold_the_store_away, daemon=True).start()

    def hold_the_store_away():
        outage["stopped_pid"] = runner.stop_component("docstore")
        outage["down_at"] = time.monotonic()
        store_gone.set()
        try:
            # What a resident's phone sees meanwhile: a 503 that says when to try again.
            probe = requests.post(stack.url("registration", f"/api/v1/meetings/{mid}/registrations"),
                                  json={"name": "Bewoner", "email": f"{run}.probe@example.org", "languages": ["nl"],
                                        "interests": [], "preferred_channel": "email",
                                        "consent": {"contact": True, "share_with_initiatives": False}}, timeout=30)
            outage["probe"] = (probe.status_code, probe.headers.get("Retry-After"))
            # The outage lasts its full length whatever else happens: that is the fault under test.
            time.sleep(max(0.0, OUTAGE_S - (time.monotonic() - outage["down_at"])))
        finally:
            runner.start_component("docstore")
            outage["up_at"] = time.monotonic()
            outage["answered_at_up"] = len(stream.answered)

    first_after = {}

    def flows_again(n):
        if "up_at" in outage and "first_201_after_s" not in first_after and n > outage["answered_at_up"]:
            first_after["first_201_after_s"] = round(time.monotonic() - outage["up_at"], 1)

    stream.listeners += [stage, flows_again]
    stream.before = after_the_stop
    try:
        stream.run_all(SIGNUPS)
        wait_until(lambda: "up_at" in outage, OUTAGE_S + 60, message="the store to come back")
    finally:
        if not runner.is_running("docstore"):
            runner.start_component("docstore")  # never leave the shared stack without its store

    wanted = {a["email"] for a in stream.answered}
    arrivals = set(stream.checked_in)
    arrived_emails = {a["email"] for a in stream.answered if a["person_id"] in arrivals}
    settled_at = {}

    def all_arrived():
        done = (len(mail_counts(stack, wanted, CONFIRMATION)) == len(wanted)
                and len(colours(stack, mid)) >= len(arrivals)
                and len(mail_counts(stack, arrived_emails, COLOUR)) == len(arrivals))
        if done:
            settled_at["s"] = round(time.monotonic() - outage["up_at"], 1)
        return done

    try:
        wait_until(all_arrived, 240, interval_s=2.0, message="every confirmation and every colour")
    finally:
        confirmations = mail_counts(stack, wanted, CONFIRMATION)
        colour_mails = mail_counts(stack, arrived_emails, COLOUR)
        seats = seated(stack, mid)
        shown = colours(stack, mid)
        dead = {t: n - dead_before.get(t, 0) for t, n in dlq_ends(stack.env["KAFKA_BOOTSTRAP_SERVERS"]).items()}
        report("store outage", answered=len(stream.answered), refused=dict(stream.refused),
               probe=outage.get("probe"), first_201_after_return_s=first_after.get("first_201_after_s"),
               all_delivered_after_return_s=settled_at.get("s"), checked_in=len(arrivals),
               lost=len(wanted - set(confirmations)) + len(arrivals - set(shown)),
               duplicated=(sum(1 for n in confirmations.values() if n > 1)
                           + sum(1 for n in colour_mails.values() if n > 1)
                           + sum(1 for n in seats.values() if n > 1)),
               dead_lettered=sum(dead.values()))
    assert outage.get("stopped_pid"), "the store was not running when the test stopped it"
    assert outage["probe"][0] == 503 and outage["probe"][1], f"during the outage: {outage['probe']}"
    assert stream.refused.get(503), "no request met the outage"
    assert stream.retry_after_missing == 0, "a 503 without Retry-After"
    assert set(stream.refused) <= {503, "no answer", "checkin 503"}, dict(stream.refused)
    assert len(stream.answered) == SIGNUPS and len(arrivals) == CHECKINS
    assert first_after.get("first_201_after_s", 99) <= FLOWS_AGAIN_S, first_after
    assert all(n == 1 for n in confirmations.values()), "a confirmation went out twice"
    assert all(n == 1 for n in colour_mails.values()), "a colour message went out twice"
    assert set(seats) == arrivals and all(n == 1 for n in seats.values()), "an arrival seated twice or not at all"
    assert sum(dead.values()) == 0, f"dead-lettered during the outage: {dead}"
