"""A sign-up through the API leaves as registration.created on Kafka, through the outbox, once per person."""
import pytest

from tests.support import unique_email
from tests.integration.registration.kafka_events import TopicReader


@pytest.fixture
def reader():
    r = TopicReader()
    yield r
    r.close()


def of_type(event_type, **payload):
    return lambda e: e["type"] == event_type and all(e["payload"].get(k) == v for k, v in payload.items())


def test_scheduling_an_evening_publishes_meeting_scheduled(stack, reader):
    meeting = stack.create_meeting(title="Wijkkracht Delfshaven", venue="Post West", area="Delfshaven")
    [event] = reader.wait_for(of_type("meeting.scheduled", meeting_id=meeting["id"]), what="meeting.scheduled")
    assert event["payload"]["venue"] == "Post West"
    assert event["key"] == meeting["id"]


def test_a_sign_up_publishes_registration_created_with_what_notifications_needs(stack, reader):
    meeting = stack.create_meeting()
    email = unique_email()
    signed = stack.sign_up(meeting["id"], email=email, phone="06-12345678", preferred_channel="sms")
    assert signed["status"] == "confirmed"

    [event] = reader.wait_for(of_type("registration.created", registration_id=signed["registration_id"]),
                              what="registration.created")
    payload = event["payload"]
    assert event["key"] == meeting["id"]
    assert payload["person_id"] == signed["person_id"]
    assert payload["email"] == email
    assert payload["phone"] == "+31612345678"  # stored and sent as E.164, whatever the resident typed
    assert payload["preferred_channel"] == "sms"
    assert payload["code"] and len(payload["code"]) == 6
    assert payload["cancel_url"].startswith("http")
    assert payload["meeting_venue"] == "wijkgebouw de Banier"


def test_signing_up_twice_gives_no_second_registration_and_sends_the_confirmation_again(stack, reader):
    meeting = stack.create_meeting()
    email = unique_email()
    first = stack.sign_up(meeting["id"], email=email)
    again = stack.post("registration", f"/api/v1/meetings/{meeting['id']}/registrations",
                       {**first["request"], "email": email.upper(), "name": "Fatima"})
    assert again.status_code == 200 and again.json() == {"status": "already_registered"}
    [resent] = reader.wait_for(of_type("registration.resent", registration_id=first["registration_id"]),
                             what="registration.resent")
    assert resent["payload"]["person_id"] == first["person_id"]
    # Asked again at once, it is not sent a third time: nobody can flood another's inbox.
    third = stack.post("registration", f"/api/v1/meetings/{meeting['id']}/registrations", first["request"])
    assert third.json() == {"status": "already_registered"}
    with_token = stack.post("registration", f"/api/v1/meetings/{meeting['id']}/registrations",
                            {**first["request"], "email": email.upper()}, organiser=True)
    assert with_token.status_code == 200 and with_token.json()["registration_id"] == first["registration_id"]

    # A later sign-up is a marker: once its event is out, any duplicate of the first would be too.
    marker = stack.sign_up(meeting["id"], email=unique_email())
    reader.wait_for(of_type("registration.created", registration_id=marker["registration_id"]), what="marker")
    created = [e for e in reader.events if e["type"] == "registration.created"
               and e["payload"]["meeting_id"] == meeting["id"] and e["payload"]["email"] in (email, None)]
    assert len(created) == 1
    assert len([e for e in reader.events if e["type"] == "registration.resent"
                and e["payload"]["registration_id"] == first["registration_id"]]) == 1


def test_companions_get_their_own_registration_and_event_and_are_linked(stack, reader):
    meeting = stack.create_meeting()
    signed = stack.sign_up(meeting["id"], companions=[{"name": "Aisha"}, {"name": "Nora", "phone": "0687654321"}])
    assert len(signed["companions"]) == 2
    companion_ids = {c["person_id"] for c in signed["companions"]}
    events = reader.wait_for(lambda e: e["type"] == "registration.created"
                             and e["payload"]["meeting_id"] == meeting["id"]
                             and e["payload"]["registration_id"] in {signed["registration_id"]}
                             | {c["registration_id"] for c in signed["companions"]}
                             and len([x for x in reader.events if x["type"] == "registration.created"
                                      and x["payload"]["meeting_id"] == meeting["id"]]) >= 3,
                             what="three registration.created")
    by_person = {e["payload"]["person_id"]: e["payload"] for e in reader.events
                 if e["type"] == "registration.created" and e["payload"]["meeting_id"] == meeting["id"]}
    assert set(by_person[signed["person_id"]]["companion_ids"]) == companion_ids
    for person_id in companion_ids:
        assert by_person[person_id]["companion_of"] == signed["person_id"]
        assert signed["person_id"] in by_person[person_id]["companion_ids"]
    assert events


def test_an_unknown_evening_is_a_json_404_and_bad_fields_are_named(stack):
    r = stack.post("registration", "/api/v1/meetings/no-such-evening/registrations",
                   {"name": "X", "email": unique_email(), "preferred_channel": "email", "consent": {"contact": True}})
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"

    meeting = stack.create_meeting()
    r = stack.post("registration", f"/api/v1/meetings/{meeting['id']}/registrations",
                   {"name": "", "email": "not-an-email", "phone": "12", "preferred_channel": "pigeon",
                    "consent": {"contact": False}})
    assert r.status_code == 422
    assert {"name", "email", "phone", "preferred_channel", "consent"} <= set(r.json()["error"]["fields"])


def test_scheduling_needs_an_organiser_token(stack):
    r = stack.post("registration", "/api/v1/meetings", {"title": "x"})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthorized"
