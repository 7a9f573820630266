"""An evening's places under pressure: residents racing for the last places, cancellations racing new
sign-ups, the same resident pressing "send" many times at once, and a request that died after taking a
place. The evening never holds more confirmed residents than it has places, and no place stays lost."""
import concurrent.futures
import datetime as dt

import pytest
import requests
from wijkkracht import mongo

from registration import handlers
from registration.adapters.store import Store
from tests.support import stack_env, unique_email, wait_until


def sign_up(stack, meeting_id, email):
    # A session per request: as many phones as sign-ups, all at once.
    r = requests.post(stack.url("registration", f"/api/v1/meetings/{meeting_id}/registrations"), json={
        "name": "Bewoner", "email": email, "preferred_channel": "email", "consent": {"contact": True}}, timeout=60)
    assert r.status_code in (200, 201), r.text
    return r.json()


def registrations(stack, meeting_id, status):
    r = stack.get("registration", f"/api/v1/meetings/{meeting_id}/registrations", params={"status": status},
                  headers=stack.organiser)
    return r.json()["registrations"]


def at_once(n, fn, *args_per_call):
    with concurrent.futures.ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(fn, *args_per_call))


def test_residents_racing_for_the_last_places_get_exactly_those(stack):
    meeting = stack.create_meeting(capacity=10)
    for _ in range(2):
        assert sign_up(stack, meeting["id"], unique_email())["status"] == "confirmed"

    answers = at_once(32, lambda email: sign_up(stack, meeting["id"], email), [unique_email() for _ in range(32)])

    assert [a["status"] for a in answers].count("confirmed") == 8
    assert len(registrations(stack, meeting["id"], "confirmed")) == 10
    assert len(registrations(stack, meeting["id"], "waitlisted")) == 24
    shown = stack.get("registration", f"/api/v1/meetings/{meeting['id']}").json()
    assert (shown["confirmed"], shown["waitlisted"]) == (10, 24)


def test_cancellations_racing_new_sign_ups_never_overbook_and_every_freed_place_is_taken(stack):
    meeting = stack.create_meeting(capacity=3)
    holders = [sign_up(stack, meeting["id"], unique_email()) for _ in range(3)]
    for _ in range(3):
        assert sign_up(stack, meeting["id"], unique_email())["status"] == "waitlisted"

    def cancel(registration_id):
        return stack.http.post(stack.url("registration", f"/api/v1/registrations/{registration_id}/cancel"),
                               headers=stack.organiser, timeout=60).status_code

    def act(job):
        return cancel(job[1]) if job[0] == "cancel" else sign_up(stack, meeting["id"], job[1])["status"]

    jobs = [("cancel", h["registration_id"]) for h in holders] + [("sign_up", unique_email()) for _ in range(9)]
    at_once(12, act, jobs)

    # Three places, three cancelled: the freed places go to those waiting (a promotion may follow a moment
    # later, from the worker), and never more than three are confirmed.
    assert len(registrations(stack, meeting["id"], "confirmed")) <= 3
    wait_until(lambda: len(registrations(stack, meeting["id"], "confirmed")) == 3, 60,
               message="every freed place taken")
    assert len(registrations(stack, meeting["id"], "cancelled")) == 3
    assert len(registrations(stack, meeting["id"], "waitlisted")) == 9


def test_the_same_resident_sending_the_form_many_times_at_once_gets_one_registration_and_one_place(stack):
    meeting = stack.create_meeting(capacity=2)
    email = unique_email()
    answers = at_once(8, lambda _: sign_up(stack, meeting["id"], email), range(8))

    # One of them made the registration; the others are told only that it is there.
    [made] = [a for a in answers if "registration_id" in a]
    assert all(a["status"] == "already_registered" for a in answers if a is not made)
    assert [r["registration_id"] for r in registrations(stack, meeting["id"], "confirmed")] == [
        made["registration_id"]]
    # The other place is still free.
    assert sign_up(stack, meeting["id"], unique_email())["status"] == "confirmed"
    assert sign_up(stack, meeting["id"], unique_email())["status"] == "waitlisted"


@pytest.fixture
def store():
    env = stack_env()
    client = mongo.MongoClient(env.get("MONGODB_URI", "mongodb://127.0.0.1:27117/"), tz_aware=True,
                               serverSelectionTimeoutMS=5000)
    yield Store(client[env.get("REGISTRATION_MONGODB_DATABASE", "registration")])
    client.close()


def test_a_place_taken_by_a_request_that_died_before_writing_its_registration_goes_to_the_waitlist(stack, store):
    meeting = stack.create_meeting(capacity=1)
    # A sign-up that took the last place and was killed before its registration was written.
    assert store.take_place(store.meeting(meeting["id"]), "killed-request") == store.TAKEN
    waiting = sign_up(stack, meeting["id"], unique_email())
    assert waiting["status"] == "waitlisted"

    handlers.repair_places(store, meeting["id"])  # too soon to tell a crash from a slow request
    assert registrations(stack, meeting["id"], "confirmed") == []

    handlers.repair_places(store, meeting["id"], at=dt.datetime.now(dt.timezone.utc) + handlers.CLAIM_GRACE * 2)
    [promoted] = registrations(stack, meeting["id"], "confirmed")
    assert promoted["registration_id"] == waiting["registration_id"]
    assert sign_up(stack, meeting["id"], unique_email())["status"] == "waitlisted"


def test_an_evening_without_a_limit_counts_its_confirmed_and_arrivals_for_the_console(stack):
    meeting = stack.create_meeting()
    signed = [sign_up(stack, meeting["id"], unique_email()) for _ in range(3)]
    sign_up(stack, meeting["id"], unique_email())
    stack.post("registration", f"/api/v1/registrations/{signed[0]['registration_id']}/cancel", organiser=True)
    stack.post("registration", f"/api/v1/registrations/{signed[0]['registration_id']}/cancel", organiser=True)
    stack.post("registration", f"/api/v1/meetings/{meeting['id']}/checkins",
               {"registration_id": signed[1]["registration_id"]}, organiser=True)
    stack.post("registration", f"/api/v1/meetings/{meeting['id']}/checkins",
               {"registration_id": signed[1]["registration_id"]}, organiser=True)
    shown = stack.get("registration", f"/api/v1/meetings/{meeting['id']}").json()
    assert (shown["confirmed"], shown["checked_in"]) == (3, 1)  # a second cancel or check-in counts nothing
