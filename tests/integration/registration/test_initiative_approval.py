"""An initiative anyone registers waits for an organiser: until approved it is not announced, not listed,
not presented at an evening (so not matched, and not written to)."""
import pytest

from tests.support import unique_email
from tests.integration.registration.kafka_events import TopicReader


@pytest.fixture
def reader():
    r = TopicReader()
    yield r
    r.close()


def registered(reader, initiative_id):
    return [e for e in reader.events if e["type"] == "initiative.registered"
            and e["payload"]["initiative_id"] == initiative_id]


def test_a_public_initiative_is_pending_until_an_organiser_approves_it(stack, reader):
    body = {"name": "Buurtmoestuin", "description": "Samen tuinieren", "area": "Noord",
            "contact": {"name": "Ilse", "email": unique_email()}, "themes": ["tuinieren"],
            "target_groups": ["iedereen"], "looking_for": ["ouderen"],
            "roles": [{"title": "Tuinier", "themes": ["tuinieren"], "capacity": 2}]}
    public = stack.post("registration", "/api/v1/initiatives", body)
    assert public.status_code == 201 and public.json()["status"] == "pending"
    pending_id = public.json()["id"]
    assert stack.get("registration", f"/api/v1/initiatives/{pending_id}").status_code == 404
    assert stack.get("registration", f"/api/v1/initiatives/{pending_id}",
                     headers=stack.organiser).json()["status"] == "pending"
    refused = stack.post("registration", "/api/v1/meetings", {
        "title": "Wijkkracht Noord", "starts_at": "2027-01-14T19:00:00+01:00", "venue": "de Banier",
        "area": "Noord", "partners": [], "initiative_ids": [pending_id]}, organiser=True)
    assert 400 <= refused.status_code < 500 and "initiative_ids" in refused.json()["error"].get("fields", {})
    assert stack.post("registration", f"/api/v1/initiatives/{pending_id}/approve").status_code == 401

    # One an organiser registers is approved at once and announced: a marker for what came before.
    marker = stack.post("registration", "/api/v1/initiatives", {**body, "name": "Marker"}, organiser=True)
    assert marker.json()["status"] == "approved"
    reader.wait_for(lambda e: e["type"] == "initiative.registered"
                    and e["payload"]["initiative_id"] == marker.json()["id"], what="the marker announced")
    assert registered(reader, pending_id) == []

    for _ in range(2):  # approving twice announces it once
        approved = stack.post("registration", f"/api/v1/initiatives/{pending_id}/approve", organiser=True)
        assert approved.status_code == 200 and approved.json()["status"] == "approved"
    reader.wait_for(lambda e: e["type"] == "initiative.registered" and e["payload"]["initiative_id"] == pending_id,
                    what="the approved initiative announced")
    assert stack.create_meeting(initiative_ids=[pending_id])["initiative_ids"] == [pending_id]
    marker2 = stack.post("registration", "/api/v1/initiatives", {**body, "name": "Marker 2"}, organiser=True)
    reader.wait_for(lambda e: e["type"] == "initiative.registered"
                    and e["payload"]["initiative_id"] == marker2.json()["id"], what="a second marker")
    assert len(registered(reader, pending_id)) == 1
