"""Tables that mix, on the real store: at the start a table too small for a conversation closes and its people
get a new colour (one colour.assigned each, marked as a change, in the same write as the timetable); a check-in
taken back frees the seat, a copy of it seats nobody, a new check-in seats the person anew."""
import datetime as dt

from matching.adapters import store

from .conftest import Evening, event
from .test_handlers_on_store import apply, groups_of, pending_events, relay_sent_everything, seating_of


def checked_in(evening: Evening, person_id: str, when: dt.datetime, expected: int) -> dict:
    return event("participant.checked_in", {
        "meeting_id": evening.meeting_id, "person_id": person_id, "registration_id": f"r-{person_id}",
        "checked_in_at": when.isoformat(), "expected_attendance": expected, "group_size": evening.group_size},
        evening.meeting_id)


def undone(evening: Evening, person_id: str) -> dict:
    return event("participant.checkin_undone", {"meeting_id": evening.meeting_id, "person_id": person_id},
                 evening.meeting_id)


def test_a_table_too_small_at_the_start_closes_and_its_people_hear_their_new_colour(scratch_db):
    evening = Evening(initiatives=2)
    apply(scratch_db, evening.scheduled())
    people = [f"p{i}" for i in range(6)]
    for p in people:  # six expected, six come: the fifth opened a second table ahead of need (4 + 2)
        apply(scratch_db, evening.checked_in(p, expected=6))
    before = {p: c for c, members in groups_of(scratch_db, evening.meeting_id).items() for p in members}
    assert sorted(len(m) for m in groups_of(scratch_db, evening.meeting_id).values()) == [2, 4]
    relay_sent_everything(scratch_db)

    started = evening.step("started", 60)
    apply(scratch_db, started)
    apply(scratch_db, started)  # redelivered: nothing more

    state = seating_of(scratch_db, evening.meeting_id)
    assert state["closed"] == ["blauw"] and groups_of(scratch_db, evening.meeting_id) == {"rood": people}
    changes = pending_events(scratch_db, "colour.assigned")
    assert sorted(e["payload"]["person_id"] for e in changes) == sorted(p for p in people if before[p] == "blauw")
    assert all(e["payload"]["colour"] == "rood" and e["payload"]["table"] == 1
               and e["payload"]["changed_from"] == "blauw" for e in changes)
    assert len({e["event_id"] for e in changes}) == 2
    (schedule,) = pending_events(scratch_db, "schedule.published")
    assert {(t["table"], t["colour"]) for r in schedule["payload"]["rounds"] for t in r["tables"]} == {(1, "rood")}
    moved = next(p for p in people if before[p] == "blauw")
    seat = store.seat_of(scratch_db, evening.meeting_id, moved)
    assert seat["colour"] == "rood" and seat["table"] == 1 and seat["log"]["moved"]["from"] == "blauw"


def test_nine_who_came_at_group_size_six_sit_at_two_tables_and_nobody_moves(scratch_db):
    evening = Evening()
    apply(scratch_db, evening.scheduled())
    for i in range(8):  # eight signed up and came, then a walk-in (signed up at the door: nine expected)
        apply(scratch_db, evening.checked_in(f"p{i}", expected=8))
    apply(scratch_db, evening.checked_in("walk-in", expected=9))
    apply(scratch_db, evening.step("started", 60))
    assert sorted(len(m) for m in groups_of(scratch_db, evening.meeting_id).values()) == [4, 5]
    assert not [e for e in pending_events(scratch_db, "colour.assigned") if e["payload"].get("changed_from")]


def test_a_check_in_taken_back_frees_the_seat_and_a_new_check_in_seats_them_anew(scratch_db):
    evening = Evening()
    apply(scratch_db, evening.scheduled())
    now = dt.datetime.now(dt.timezone.utc)
    for i in range(4):
        apply(scratch_db, checked_in(evening, f"p{i}", now - dt.timedelta(minutes=5), expected=12))
    mistaken = checked_in(evening, "p1", now - dt.timedelta(minutes=5), expected=12)
    apply(scratch_db, undone(evening, "p1"))
    apply(scratch_db, undone(evening, "p1"))  # twice: the same
    assert "p1" not in seating_of(scratch_db, evening.meeting_id)["members"]
    assert store.seat_of(scratch_db, evening.meeting_id, "p1") is None

    apply(scratch_db, mistaken)  # the undone check-in once more (a redelivery): still not here
    assert "p1" not in seating_of(scratch_db, evening.meeting_id)["members"]

    relay_sent_everything(scratch_db)
    apply(scratch_db, checked_in(evening, "p1", dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=1),
                                 expected=12))  # they do come after all
    members = seating_of(scratch_db, evening.meeting_id)["members"]
    assert "p1" in members and len(members) == 4
    (again,) = pending_events(scratch_db, "colour.assigned")
    assert again["payload"]["person_id"] == "p1" and again["payload"]["colour"] == members["p1"]
    assert store.seat_of(scratch_db, evening.meeting_id, "p1")["position"] == 4  # a new place in the queue


def test_erasure_forgets_that_a_check_in_was_taken_back(scratch_db):
    evening = Evening()
    apply(scratch_db, evening.scheduled())
    apply(scratch_db, evening.registration("p0"))
    apply(scratch_db, checked_in(evening, "p0", dt.datetime.now(dt.timezone.utc), expected=12))
    apply(scratch_db, undone(evening, "p0"))
    assert "p0" in seating_of(scratch_db, evening.meeting_id)["undone"]
    apply(scratch_db, event("person.erased", {"person_id": "p0"}, "p0"))
    assert seating_of(scratch_db, evening.meeting_id)["undone"] == {}
