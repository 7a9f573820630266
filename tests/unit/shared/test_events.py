"""The event envelope and payload schemas: what every service relies on when it reads a message."""
import uuid

import pytest

from wijkkracht.events import SCHEMAS, InvalidEvent, latest_version, new_event, parse_event


def signup_payload(**overrides):
    payload = {
        "registration_id": "r1", "person_id": "p1", "meeting_id": "m1", "status": "confirmed",
        "name": "Ayşe Yılmaz", "email": "ayse@example.org", "preferred_channel": "email",
        "consent": {"contact": True, "share_with_initiatives": False},
    }
    payload.update(overrides)
    return payload


def test_new_event_has_the_full_envelope():
    event = new_event("registration.created", signup_payload(), key="m1", producer="registration")
    assert uuid.UUID(event["event_id"])
    assert event["type"] == "registration.created"
    assert event["version"] == 1
    assert event["occurred_at"].endswith("+00:00")
    assert event["producer"] == "registration"
    assert event["correlation_id"] == event["event_id"]  # a new flow starts its own correlation
    assert event["key"] == "m1"
    assert event["payload"]["name"] == "Ayşe Yılmaz"


def test_correlation_id_is_carried_when_given():
    event = new_event("person.erased", {"person_id": "p1"}, key="p1", producer="registration",
                      correlation_id="abc")
    assert event["correlation_id"] == "abc"


def test_producer_cannot_emit_an_invalid_payload():
    with pytest.raises(ValueError, match="preferred_channel"):
        new_event("registration.created", signup_payload(preferred_channel="pigeon"), key="m1",
                  producer="registration")


def test_round_trip_through_json_keeps_the_payload():
    import json
    event = new_event("colour.assigned", {"meeting_id": "m1", "person_id": "p1", "colour": "blauw",
                                          "table": 2}, key="m1", producer="matching")
    parsed = parse_event(json.loads(json.dumps(event)))
    assert parsed.event_id == event["event_id"]
    assert parsed.payload == {"meeting_id": "m1", "person_id": "p1", "colour": "blauw", "table": 2}


def test_consumers_ignore_fields_they_do_not_know():
    event = new_event("person.erased", {"person_id": "p1"}, key="p1", producer="registration")
    event["payload"]["added_in_a_later_release"] = True
    event["also_new_in_the_envelope"] = 1
    assert parse_event(event).payload == {"person_id": "p1"}


@pytest.mark.parametrize("mutate, reason", [
    (lambda e: e.pop("event_id"), "event_id"),
    (lambda e: e.update(event_id="not-a-uuid"), "event_id"),
    (lambda e: e.update(occurred_at="yesterday"), "occurred_at"),
    (lambda e: e.update(version=99), "unknown event type/version"),
    (lambda e: e["payload"].pop("person_id"), "person_id"),
])
def test_invalid_messages_are_rejected_with_the_reason(mutate, reason):
    event = new_event("person.erased", {"person_id": "p1"}, key="p1", producer="registration")
    mutate(event)
    with pytest.raises(InvalidEvent, match=reason):
        parse_event(event)


def test_not_an_object_is_rejected():
    with pytest.raises(InvalidEvent):
        parse_event(["a", "list"])


def test_every_type_is_namespaced_and_versioned():
    for event_type, version in SCHEMAS:
        assert "." in event_type and version >= 1
        assert latest_version(event_type) >= version
