"""An evening's proposals leave in parts small enough for any broker, whatever the attendance: every resident
in exactly one part, the initiative pairs once, ids derived from the close (a redelivered close adds nothing),
and what the organiser reads back unchanged."""
import json
import uuid

from matching import handlers
from matching.adapters import store

from wijkkracht import mongo

from .conftest import Evening
from .test_handlers_on_store import apply, pending_events, seat_everyone


def test_a_big_evening_proposes_in_small_parts_each_resident_once(scratch_db, monkeypatch):
    monkeypatch.setattr(handlers, "PART_BYTES", 1500)  # a few residents a part, as 128 KiB is at 1,000
    evening = Evening(initiatives=3)
    people = [f"p{i}" for i in range(24)]
    seat_everyone(scratch_db, evening, people, {})
    closed = evening.step("closed", 180)
    apply(scratch_db, closed)
    apply(scratch_db, closed)  # redelivered
    parts = sorted(pending_events(scratch_db, "matches.proposed"), key=lambda e: e["payload"]["part"])
    assert len(parts) > 1 and all(e["version"] == 2 for e in parts)
    assert [e["payload"]["part"] for e in parts] == list(range(1, len(parts) + 1))
    assert {e["payload"]["parts"] for e in parts} == {len(parts)}
    assert len({e["event_id"] for e in parts}) == len(parts)
    assert {e["key"] for e in parts} == {evening.meeting_id}
    for e in parts:  # one resident alone may exceed the budget; otherwise each part keeps within it
        rows = e["payload"]["residents"]
        assert len(rows) == 1 or sum(len(json.dumps(r, default=str)) for r in rows) <= 1500
    sent = [r["person_id"] for e in parts for r in e["payload"]["residents"]]
    assert len(sent) == len(set(sent))
    assert parts[0]["payload"]["initiatives"] and not any(e["payload"]["initiatives"] for e in parts[1:])
    stored = store.matches(scratch_db, evening.meeting_id)
    assert sorted(sent) == sorted(r["person_id"] for r in stored["residents"])
    assert stored["initiatives"] == parts[0]["payload"]["initiatives"]


def test_a_small_evening_is_one_part(scratch_db):
    evening = Evening(initiatives=3)
    seat_everyone(scratch_db, evening, [f"p{i}" for i in range(6)], {})
    apply(scratch_db, evening.step("closed", 180))
    (only,) = pending_events(scratch_db, "matches.proposed")
    assert (only["payload"]["part"], only["payload"]["parts"]) == (1, 1)


def parts_of(db, meeting_id):
    """part → the person ids stored in it."""
    return {d["part"]: d["person_ids"] for d in db[store.PROPOSALS].find({"meeting_id": meeting_id}, {"outbox": 0})
            if "part" in d}


def test_a_close_handled_again_after_a_crash_halfway_makes_only_the_missing_parts(scratch_db, monkeypatch):
    monkeypatch.setattr(handlers, "PART_BYTES", 1500)
    evening = Evening(initiatives=3)
    seat_everyone(scratch_db, evening, [f"p{i}" for i in range(24)], {})
    closed = evening.step("closed", 180)
    apply(scratch_db, closed)
    first = {e["event_id"]: e for e in pending_events(scratch_db, "matches.proposed")}
    by_part = parts_of(scratch_db, evening.meeting_id)
    assert len(by_part) == len(first) > 2
    # The worker died after the outline and the first part: the others were never written.
    scratch_db[store.PROPOSALS].delete_many({"meeting_id": evening.meeting_id, "part": {"$gt": 1}})
    assert not store.has_matches(scratch_db, evening.meeting_id)
    apply(scratch_db, closed)
    again = {e["event_id"]: e for e in pending_events(scratch_db, "matches.proposed")}
    assert again.keys() == first.keys()  # the same parts, the same ids: nothing twice for notifications
    assert parts_of(scratch_db, evening.meeting_id) == by_part
    assert store.has_matches(scratch_db, evening.meeting_id)
    shown = store.matches(scratch_db, evening.meeting_id)
    assert shown["parts"] == len(by_part)
    assert [r["person_id"] for r in shown["residents"]] == [p for n in sorted(by_part) for p in by_part[n]]


def test_the_organiser_reads_the_proposals_as_complete_only_once_every_part_is_stored(stack, matching_env):
    """A close writes the outline first, then the parts one by one: a client polling ``proposed`` (the console,
    the report) must not take the first part for the whole evening."""
    client = mongo.connect("matching")
    db = mongo.database(client, "matching")
    meeting_id = f"m-{uuid.uuid4().hex[:12]}"
    first, second = [f"p-{uuid.uuid4().hex[:8]}"], [f"p-{uuid.uuid4().hex[:8]}"]
    row = {"suggestions": [{"initiative_id": "i1", "role_id": "r1", "score": 0.9,
                            "reasons": {"nl": ["Koken"], "en": ["Cooking"], "codes": ["theme"]}}]}

    def read():
        r = stack.get("matching", f"/api/v1/meetings/{meeting_id}/matches", headers=stack.organiser)
        assert r.status_code == 200, r.text
        return r.json()["proposed"], sorted(x["person_id"] for x in r.json()["residents"])

    try:
        store.start_matches(db, meeting_id, {"members": [first, second], "initiatives": []})
        assert read() == (False, [])
        store.save_part(db, meeting_id, 1, [{"person_id": first[0], **row}], [])
        assert read() == (False, first)
        store.save_part(db, meeting_id, 2, [{"person_id": second[0], **row}], [])
        assert read() == (True, sorted(first + second))
    finally:
        db[store.MATCHES].delete_many({"meeting_id": meeting_id})
        client.close()
