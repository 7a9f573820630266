"""Check-ins queued at a busy door are handed to matching in runs (the consumer's ``dispatch_run``): a run seats
everyone exactly as one by one would, in one update, and a run delivered again changes nothing."""
from matching import handlers
from matching.adapters import store

from .conftest import Evening, Runtime, as_event, event
from .test_handlers_on_store import apply, pending_events, seating_of

PEOPLE = [f"p{i}" for i in range(17)]
PARTIES = {"p0": ["p1"], "p1": ["p0"], "p6": ["p7", "p8"], "p7": ["p6", "p8"], "p8": ["p6", "p7"]}


def an_evening_with_the_seed_of(db, seed: str | None = None) -> Evening:
    evening = Evening()
    apply(db, evening.scheduled())
    if seed:
        db[store.MEETINGS].update_one({"_id": evening.meeting_id}, {"$set": {"seed": seed}})
    for p in PEOPLE:
        apply(db, evening.registration(p, PARTIES.get(p, [])))
    return evening


def check_ins(evening: Evening) -> list:
    return [as_event(evening.checked_in(p, PARTIES.get(p, []), expected=len(PEOPLE))) for p in PEOPLE]


def test_a_run_of_check_ins_seats_everyone_as_one_by_one_would(scratch_db):
    one_by_one = an_evening_with_the_seed_of(scratch_db)
    for e in check_ins(one_by_one):
        handlers.on_checked_in(e, Runtime(scratch_db))
    seed = seating_of(scratch_db, one_by_one.meeting_id)["seed"]
    in_runs = an_evening_with_the_seed_of(scratch_db, seed)
    arrivals = check_ins(in_runs)
    for start, end in ((0, 1), (1, 6), (6, 7), (7, 17)):
        handlers.on_checked_in_run(arrivals[start:end], Runtime(scratch_db))

    expected, got = seating_of(scratch_db, one_by_one.meeting_id), seating_of(scratch_db, in_runs.meeting_id)
    assert list(got["members"].items()) == list(expected["members"].items())  # same colours, in arrival order
    assert got["count"] == expected["count"] == len(PEOPLE) and got["colours"] == expected["colours"]
    for p in PEOPLE:
        seat, alone = store.seat_of(scratch_db, in_runs.meeting_id, p), store.seat_of(scratch_db, one_by_one.meeting_id, p)
        assert (seat["colour"], seat["table"], seat["position"]) == (alone["colour"], alone["table"], alone["position"])
        assert seat["log"]["reason"] == alone["log"]["reason"]
    events = [e for e in pending_events(scratch_db, "colour.assigned") if e["payload"]["meeting_id"] == in_runs.meeting_id]
    assert sorted(e["payload"]["person_id"] for e in events) == sorted(PEOPLE)
    assert all(e["payload"]["colour"] == got["members"][e["payload"]["person_id"]] for e in events)


def test_a_run_delivered_again_or_with_duplicates_and_the_erased_seats_nobody_twice(scratch_db):
    evening = an_evening_with_the_seed_of(scratch_db)
    arrivals = check_ins(evening)
    handlers.on_checked_in_run(arrivals[:5], Runtime(scratch_db))
    apply(scratch_db, event("person.erased", {"person_id": "p6"}, "p6"))
    # Redelivered from p2 on, p4 twice (the door pressed twice), p6 erased meanwhile.
    again = arrivals[2:5] + [as_event(evening.checked_in("p4", expected=len(PEOPLE)))] + arrivals[5:9]
    handlers.on_checked_in_run(again, Runtime(scratch_db))
    handlers.on_checked_in_run(again, Runtime(scratch_db))
    state = seating_of(scratch_db, evening.meeting_id)
    assert list(state["members"]) == ["p0", "p1", "p2", "p3", "p4", "p5", "p7", "p8"]
    assert state["count"] == 8
    events = pending_events(scratch_db, "colour.assigned")
    assert sorted(e["payload"]["person_id"] for e in events) == sorted(state["members"])
    assert [store.seat_of(scratch_db, evening.meeting_id, p)["position"] for p in state["members"]] == list(range(8))
