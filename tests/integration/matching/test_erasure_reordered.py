"""Erasure holds in matching's running worker: ``person.erased`` overtaking the person's own earlier events
(it travels on another partition, keyed by the person), or those events redelivered after it, brings
nothing of them back — no person, no seat, no colour, no interests."""
import uuid

from tests.support import wait_until
from matching.adapters import store
from wijkkracht import mongo

from .conftest import Evening, event, of_meeting


def members(stack, meeting_id) -> set[str]:
    r = stack.get("matching", f"/api/v1/meetings/{meeting_id}/groups", headers=stack.organiser)
    return {m for g in r.json()["groups"] for m in g["members"]} if r.status_code == 200 else set()


def test_person_erased_overtaking_their_sign_up_and_arrival_brings_nothing_back(stack, publish, reader):
    client = mongo.connect("matching")
    db = mongo.database(client, "matching")
    evening = Evening(initiatives=1)
    gone, redelivered, marker = (f"p-{uuid.uuid4().hex[:8]}" for _ in range(3))
    try:
        # One who is erased before anything of theirs arrives.
        publish(event("person.erased", {"person_id": gone}, gone))
        wait_until(lambda: store.is_erased(db, gone), 30, message="the tombstone")
        # One seated first, erased, and then sent everything again (a redelivery after the erasure).
        publish(evening.scheduled(), *evening.initiatives(), evening.registration(redelivered),
                evening.checked_in(redelivered, expected=6))
        wait_until(lambda: redelivered in members(stack, evening.meeting_id), 60, message="the first seated")
        publish(event("person.erased", {"person_id": redelivered}, redelivered))
        wait_until(lambda: redelivered not in members(stack, evening.meeting_id), 30, message="the seat gone")

        publish(evening.registration(gone), evening.checked_in(gone, expected=6),
                evening.interests(gone, evening.initiative_ids),
                evening.registration(redelivered), evening.checked_in(redelivered, expected=6),
                evening.interests(redelivered, evening.initiative_ids),
                evening.registration(marker), evening.checked_in(marker, expected=6))
        # The marker, sent last on the same partition, is seated: everything before it was handled.
        wait_until(lambda: marker in members(stack, evening.meeting_id), 60, message="the marker seated")

        assert members(stack, evening.meeting_id) == {marker}
        for person in (gone, redelivered):
            assert db[store.PEOPLE].find_one({"_id": person}) is None
            assert stack.get("matching", f"/api/v1/meetings/{evening.meeting_id}/seating/{person}",
                             headers=stack.organiser).status_code == 404
        colours = {e["payload"]["person_id"] for e in of_meeting(reader.poll(), evening.meeting_id,
                                                                 "colour.assigned")}
        assert gone not in colours and marker in colours
        doc = store.meeting(db, evening.meeting_id) or {}
        assert not set(doc.get("interests") or {}) & {gone, redelivered}
        print(f"erasure overtaken: 2 erased, {len(colours)} colours assigned, 0 brought back")
    finally:
        client.close()
