"""An evening's life through the API: the waitlist and promotion, the lifecycle and its events, edits that
residents must hear about, interests, initiatives, Idempotency-Key, and privacy (export, erasure)."""
import uuid

import pytest

from tests.integration.registration.kafka_events import TopicReader
from tests.support import unique_email


@pytest.fixture
def reader():
    r = TopicReader()
    yield r
    r.close()


def event_of(reader, event_type, **payload):
    return reader.wait_for(lambda e: e["type"] == event_type
                           and all(e["payload"].get(k) == v for k, v in payload.items()), what=event_type)


def test_a_full_evening_waitlists_and_a_cancellation_promotes_the_first_in_line(stack, reader):
    meeting = stack.create_meeting(capacity=2)
    first = stack.sign_up(meeting["id"], email=unique_email())
    stack.sign_up(meeting["id"], email=unique_email())
    third = stack.sign_up(meeting["id"], email=unique_email())
    fourth = stack.sign_up(meeting["id"], email=unique_email())
    assert first["status"] == "confirmed"
    assert third["status"] == fourth["status"] == "waitlisted"

    r = stack.post("registration", f"/api/v1/registrations/{first['registration_id']}/cancel", organiser=True)
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    event_of(reader, "registration.cancelled", registration_id=first["registration_id"])
    event_of(reader, "registration.promoted", registration_id=third["registration_id"])
    counts = stack.get("registration", f"/api/v1/meetings/{meeting['id']}").json()
    assert (counts["confirmed"], counts["waitlisted"]) == (2, 1)


def test_the_residents_cancel_link_frees_the_place(stack, reader):
    meeting = stack.create_meeting(capacity=1)
    stack.sign_up(meeting["id"], email=unique_email())
    waiting = stack.sign_up(meeting["id"], email=unique_email())
    [created] = event_of(reader, "registration.created", registration_id=waiting["registration_id"])
    holder = [e for e in reader.events if e["type"] == "registration.created"
              and e["payload"]["meeting_id"] == meeting["id"] and e["payload"]["status"] == "confirmed"][0]
    page = stack.http.get(holder["payload"]["cancel_url"].replace("http://127.0.0.1:8001",
                                                                  stack.url("registration", "")))
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    done = stack.http.post(page.url, data={"csrf_token": token})
    assert done.status_code == 200 and "afgemeld" in done.text
    event_of(reader, "registration.promoted", registration_id=waiting["registration_id"])
    assert created["payload"]["status"] == "waitlisted"


def test_the_lifecycle_runs_in_order_with_its_events_and_a_closed_evening_takes_no_sign_ups(stack, reader):
    meeting = stack.create_meeting()
    stack.sign_up(meeting["id"])
    base = f"/api/v1/meetings/{meeting['id']}"
    assert stack.post("registration", f"{base}/open-checkin", organiser=True).json()["status"] == "checkin_open"
    assert stack.post("registration", f"{base}/start", organiser=True).json()["status"] == "started"
    assert stack.post("registration", f"{base}/close", organiser=True).json()["status"] == "closed"
    again = stack.post("registration", f"{base}/start", organiser=True)
    assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_transition"
    for event_type in ("meeting.checkin_opened", "meeting.started", "meeting.closed"):
        [event] = event_of(reader, event_type, meeting_id=meeting["id"])
        assert event["payload"]["expected_attendance"] == 1
    # Closed means closed at once, in every web process: a late resident is refused right away.
    late_body = {"name": "Te laat", "email": unique_email(), "preferred_channel": "email", "consent": {"contact": True}}
    refused = stack.post("registration", f"{base}/registrations", late_body)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "meeting_closed"
    assert stack.post("registration", f"{base}/start").status_code == 401


def test_moving_an_evening_emits_meeting_changed_naming_what_changed(stack, reader):
    meeting = stack.create_meeting()
    r = stack.http.patch(stack.url("registration", f"/api/v1/meetings/{meeting['id']}"),
                         json={"venue": "Post West", "starts_at": "2027-01-15T19:30:00+01:00"},
                         headers=stack.organiser, timeout=10)
    assert r.status_code == 200 and r.json()["venue"] == "Post West"
    [event] = event_of(reader, "meeting.changed", meeting_id=meeting["id"])
    assert set(event["payload"]["changed"]) == {"venue", "starts_at"}


def test_interests_after_the_presentations_are_published(stack, reader):
    initiative = stack.post("registration", "/api/v1/initiatives", {
        "name": "Young Kitchen", "description": "Samen koken", "area": "Delfshaven",
        "contact": {"name": "Ilse", "email": unique_email()}, "themes": ["koken"], "target_groups": ["jongeren"],
        "looking_for": ["ouderen"], "roles": [{"title": "Kok", "themes": ["koken"], "capacity": 2}]}, organiser=True)
    assert initiative.status_code == 201 and initiative.json()["status"] == "approved"
    assert initiative.json()["roles"][0]["id"]
    [registered] = event_of(reader, "initiative.registered", initiative_id=initiative.json()["id"])
    assert registered["payload"]["roles"][0]["title"] == "Kok"
    meeting = stack.create_meeting(initiative_ids=[initiative.json()["id"]])
    resident = stack.sign_up(meeting["id"])
    r = stack.post("registration", f"/api/v1/meetings/{meeting['id']}/interests",
                   {"person_id": resident["person_id"], "initiative_ids": [initiative.json()["id"]]}, organiser=True)
    assert r.status_code == 201
    event_of(reader, "interests.recorded", person_id=resident["person_id"], meeting_id=meeting["id"])
    unknown = stack.post("registration", f"/api/v1/meetings/{meeting['id']}/interests",
                         {"person_id": "nobody", "initiative_ids": []}, organiser=True)
    assert unknown.status_code == 404


def test_an_idempotency_key_replays_the_first_answer(stack):
    key = uuid.uuid4().hex
    body = {"title": "Wijkkracht Centrum", "starts_at": "2027-02-01T19:00:00+01:00", "venue": "Buurthuis",
            "area": "Centrum"}
    first = stack.post("registration", "/api/v1/meetings", body, organiser=True, headers={"Idempotency-Key": key})
    again = stack.post("registration", "/api/v1/meetings", body, organiser=True, headers={"Idempotency-Key": key})
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    other = stack.post("registration", "/api/v1/meetings", {**body, "title": "Anders"}, organiser=True,
                       headers={"Idempotency-Key": key})
    assert other.status_code == 422


def test_export_shows_what_is_held_and_erasure_forgets_it_and_tells_everyone(stack, reader):
    meeting = stack.create_meeting()
    email = unique_email()
    resident = stack.sign_up(meeting["id"], name="Johan Verhoeven", email=email, postcode="3031 AB")
    exported = stack.get("registration", f"/api/v1/people/{resident['person_id']}/export", headers=stack.organiser)
    assert exported.status_code == 200
    assert exported.json()["registrations"][0]["email"] == email
    assert stack.get("registration", f"/api/v1/people/{resident['person_id']}/export").status_code == 401

    erased = stack.http.delete(stack.url("registration", f"/api/v1/people/{resident['person_id']}"),
                               headers=stack.organiser, timeout=10)
    assert erased.status_code == 200
    event_of(reader, "person.erased", person_id=resident["person_id"])
    after = stack.get("registration", f"/api/v1/people/{resident['person_id']}/export",
                      headers=stack.organiser).json()
    text = str(after)
    assert after["erased"] is True
    assert email not in text and "Johan" not in text and "3031" not in text
    # The same address may sign up again as a new registration (the old one no longer holds it).
    again = stack.sign_up(meeting["id"], email=email)
    assert again["registration_id"] != resident["registration_id"]
