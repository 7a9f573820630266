"""Matching's handlers against the real document store, without Kafka in between: the read model, colours at
the door under concurrency, the timetable, proposals, answers, erasure."""
import threading
from collections import Counter

from matching import handlers, links
from matching.adapters import store

from .conftest import Evening, Runtime, as_event, event


def apply(db, envelope):
    """What the worker does with an event: its handlers, and for a close, the proposals job's turn."""
    event = as_event(envelope)
    for handler in handlers.EVENT_HANDLERS[event.type]:
        handler(event, Runtime(db))
    while handlers.make_due_proposals(db, "tests"):
        pass


def pending_events(db, event_type):
    """Events waiting in matching's outbox for the relay (what Kafka will get), of one type."""
    return [e for name in store.OUTBOX_COLLECTIONS for doc in db[name].find({"has_outbox": True})
            for e in (doc.get("outbox") or {}).values() if e["type"] == event_type]


def relay_sent_everything(db):
    """What the relay does once Kafka has the events: they leave the documents."""
    for name in store.OUTBOX_COLLECTIONS:
        db[name].update_many({}, {"$unset": {"outbox": ""}})


def seating_of(db, meeting_id):
    return store.seating(store.meeting(db, meeting_id))


def groups_of(db, meeting_id):
    by_colour = {}
    for person, colour in seating_of(db, meeting_id)["members"].items():
        by_colour.setdefault(colour, []).append(person)
    return by_colour


def seat_everyone(db, evening, people, parties):
    apply(db, evening.scheduled())
    for envelope in evening.initiatives():
        apply(db, envelope)
    for p in people:
        apply(db, evening.registration(p, parties.get(p, [])))
    for p in people:
        apply(db, evening.checked_in(p, parties.get(p, []), expected=len(people)))


def test_every_arrival_gets_one_colour_balanced_with_companions_apart_and_one_event(scratch_db):
    evening = Evening()
    people = [f"p{i}" for i in range(18)]
    parties = {"p0": ["p1"], "p1": ["p0"], "p6": ["p7", "p8"], "p7": ["p6", "p8"], "p8": ["p6", "p7"]}
    seat_everyone(scratch_db, evening, people, parties)
    groups = groups_of(scratch_db, evening.meeting_id)
    assert sorted(groups) == ["blauw", "groen", "rood"]
    assert [len(m) for m in groups.values()] == [6, 6, 6]
    colour = {p: c for c, members in groups.items() for p in members}
    assert colour["p0"] != colour["p1"] and len({colour["p6"], colour["p7"], colour["p8"]}) == 3
    events = pending_events(scratch_db, "colour.assigned")
    assert Counter(e["payload"]["person_id"] for e in events) == Counter(people)
    assert all(e["payload"]["colour"] == colour[e["payload"]["person_id"]] for e in events)


def test_a_redelivered_check_in_changes_nothing(scratch_db):
    evening = Evening()
    apply(scratch_db, evening.scheduled())
    envelope = evening.checked_in("p1", expected=12)
    apply(scratch_db, envelope)
    apply(scratch_db, envelope)
    apply(scratch_db, evening.checked_in("p1", expected=12))  # the door pressed twice: a new event, same person
    assert len(pending_events(scratch_db, "colour.assigned")) == 1
    assert sum(len(m) for m in groups_of(scratch_db, evening.meeting_id).values()) == 1


def test_concurrent_check_ins_never_overwrite_each_other(scratch_db):
    evening = Evening()
    apply(scratch_db, evening.scheduled())
    people = [f"p{i}" for i in range(40)]
    errors = []

    def door(batch):
        try:
            for p in batch:
                apply(scratch_db, evening.checked_in(p, expected=40))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=door, args=(people[k::4],)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    sizes = sorted(len(m) for m in groups_of(scratch_db, evening.meeting_id).values())
    assert sum(sizes) == 40 and sizes[-1] - sizes[0] <= 1
    assert len(pending_events(scratch_db, "colour.assigned")) == 40


def test_start_publishes_the_timetable_once_and_latecomers_join_the_smallest(scratch_db):
    evening = Evening(initiatives=3)
    people = [f"p{i}" for i in range(13)]
    seat_everyone(scratch_db, evening, people, {})
    started = evening.step("started", 60)
    apply(scratch_db, started)
    apply(scratch_db, started)
    schedules = pending_events(scratch_db, "schedule.published")
    assert len(schedules) == 1
    rounds = schedules[0]["payload"]["rounds"]
    assert len(rounds) == 3
    for r in rounds:
        present = [t["initiative_id"] for t in r["tables"] if t["initiative_id"]]
        assert len(present) == len(set(present))
    before = {c: len(m) for c, m in groups_of(scratch_db, evening.meeting_id).items()}
    apply(scratch_db, evening.checked_in("late", expected=13))
    after = {c: len(m) for c, m in groups_of(scratch_db, evening.meeting_id).items()}
    grown = [c for c in after if after[c] != before[c]]
    assert len(grown) == 1 and before[grown[0]] == min(before.values()) and set(after) == set(before)


def test_closing_proposes_roles_within_capacity_and_remembers_who_met(scratch_db):
    evening = Evening(initiatives=3)
    people = [f"p{i}" for i in range(12)]
    seat_everyone(scratch_db, evening, people, {})
    apply(scratch_db, evening.registration("p11", consent=False))  # changed their mind: no sharing
    apply(scratch_db, evening.step("started", 60))
    apply(scratch_db, evening.interests("p0", [evening.initiative_ids[2]]))
    closed = evening.step("closed", 180)
    apply(scratch_db, closed)
    apply(scratch_db, closed)
    proposals = pending_events(scratch_db, "matches.proposed")
    assert len(proposals) == 1
    payload = proposals[0]["payload"]
    residents = {r["person_id"]: r["suggestions"] for r in payload["residents"]}
    assert len(residents) == 7  # 2 + 3 + 2 places in all
    # Not sharing their details does not keep p11 out; it only keeps the initiative from seeing them early.
    assert all(s["share_details"] == (person != "p11") for person, picks in residents.items() for s in picks)
    taken = Counter(s["role_id"] for picks in residents.values() for s in picks)
    assert taken[f"{evening.initiative_ids[0]}-0"] <= 2 and taken[f"{evening.initiative_ids[2]}-0"] <= 2
    assert residents["p0"][0]["initiative_id"] == evening.initiative_ids[2]
    assert "Je wilde meedoen met Young Kitchen." in residents["p0"][0]["reasons"]["nl"]
    pairs = {frozenset(p["initiative_ids"]) for p in payload["initiatives"]}
    assert frozenset(evening.initiative_ids[:2]) in pairs
    # Who shared a table tonight is remembered for the next evening.
    mates = groups_of(scratch_db, evening.meeting_id)
    some_table = next(iter(mates.values()))
    history = store.person_history(scratch_db, some_table[0])
    assert set(history["met"]) == set(some_table[1:])


def test_an_answer_link_records_once_and_erasure_removes_the_person(scratch_db):
    evening = Evening(initiatives=3)
    people = [f"p{i}" for i in range(6)]
    seat_everyone(scratch_db, evening, people, {})
    apply(scratch_db, evening.step("closed", 180))
    suggestion = pending_events(scratch_db, "matches.proposed")[0]["payload"]["residents"][0]
    person, first = suggestion["person_id"], suggestion["suggestions"][0]
    token = first["accept_url"].rsplit("/", 1)[1]
    data = links.read_token(token)
    assert data["person_id"] == person and data["answer"] == "accept"
    assert handlers.answer_suggestion(scratch_db, data)["changed"] is True
    assert handlers.answer_suggestion(scratch_db, data)["changed"] is False
    accepted = pending_events(scratch_db, "match.accepted")
    assert [e["payload"]["role_id"] for e in accepted] == [first["role_id"]]
    assert links.read_token(token[:-2] + "xx") is None

    apply(scratch_db, event("person.erased", {"person_id": person}, person))
    assert all(person not in m for m in groups_of(scratch_db, evening.meeting_id).values())
    assert scratch_db["people"].find_one({"_id": person}) is None
    doc = store.matches(scratch_db, evening.meeting_id)
    assert all(r["person_id"] != person for r in doc["residents"])
    assert all(person not in part for part in store.matches_progress(scratch_db, evening.meeting_id)["members"])
    assert store.resident_proposals(scratch_db, evening.meeting_id, person) is None
    assert not scratch_db["people"].find_one({f"met.{person}": {"$exists": True}})




def test_a_timetable_made_while_someone_was_seated_is_made_again_with_their_table(scratch_db, monkeypatch):
    evening = Evening(initiatives=2, group_size=2)
    apply(scratch_db, evening.scheduled())
    for p in ("p0", "p1", "p2"):  # two expected: one colour, now full (a group of 2 grows to 3)
        apply(scratch_db, evening.checked_in(p, expected=2))
    publish = store.publish_schedule

    def an_arrival_slips_in_first(*args, **kwargs):
        monkeypatch.setattr(store, "publish_schedule", publish)
        apply(scratch_db, evening.checked_in("p3", expected=2))  # opens a second colour
        return publish(*args, **kwargs)

    monkeypatch.setattr(store, "publish_schedule", an_arrival_slips_in_first)
    apply(scratch_db, evening.step("started", 60))
    groups = groups_of(scratch_db, evening.meeting_id)
    assert sorted(groups) == ["blauw", "rood"]
    schedules = pending_events(scratch_db, "schedule.published")
    assert len(schedules) == 1
    assert {t["colour"] for t in schedules[0]["payload"]["rounds"][0]["tables"]} == set(groups)


def test_an_answer_given_at_once_from_many_tabs_is_one_event_and_each_change_is_one(scratch_db):
    evening = Evening(initiatives=3)
    seat_everyone(scratch_db, evening, [f"p{i}" for i in range(6)], {})
    apply(scratch_db, evening.step("closed", 180))
    resident = pending_events(scratch_db, "matches.proposed")[0]["payload"]["residents"][0]
    accept = links.read_token(resident["suggestions"][0]["accept_url"].rsplit("/", 1)[1])
    decline = links.read_token(resident["suggestions"][0]["decline_url"].rsplit("/", 1)[1])
    changed, errors = [], []

    def tab():
        try:
            changed.append(handlers.answer_suggestion(scratch_db, accept)["changed"])
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=tab) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors and sorted(changed) == [False] * 7 + [True]
    assert len(pending_events(scratch_db, "match.accepted")) == 1
    # Changing one's mind is a change each time: declined, then accepted again.
    assert handlers.answer_suggestion(scratch_db, decline)["changed"] is True
    assert handlers.answer_suggestion(scratch_db, accept)["changed"] is True
    assert len(pending_events(scratch_db, "match.accepted")) == 2
    assert len(pending_events(scratch_db, "match.declined")) == 1
    shown = {r["person_id"]: r["answers"] for r in store.matches(scratch_db, evening.meeting_id)["residents"]}
    assert shown[accept["person_id"]][accept["role_id"]] == "accept"


def test_once_the_events_have_left_a_redelivered_event_still_changes_nothing(scratch_db):
    evening = Evening(initiatives=2)
    people = [f"p{i}" for i in range(8)]
    seat_everyone(scratch_db, evening, people, {})
    apply(scratch_db, evening.step("started", 60))
    relay_sent_everything(scratch_db)
    before = seating_of(scratch_db, evening.meeting_id)["members"]
    apply(scratch_db, evening.step("started", 60))  # redelivered: the timetable was published
    apply(scratch_db, evening.checked_in("p1", expected=8))  # redelivered check-in: still seated once
    assert not pending_events(scratch_db, "schedule.published")
    assert not pending_events(scratch_db, "colour.assigned")
    apply(scratch_db, evening.checked_in("late", expected=8))
    after = seating_of(scratch_db, evening.meeting_id)["members"]
    assert len(after) == 9 and {p: after[p] for p in before} == before
    assert [e["payload"]["person_id"] for e in pending_events(scratch_db, "colour.assigned")] == ["late"]


def test_an_erased_arrivals_place_in_the_queue_stays_taken(scratch_db):
    evening = Evening()
    seat_everyone(scratch_db, evening, ["p0", "p1", "p2"], {})
    apply(scratch_db, event("person.erased", {"person_id": "p1"}, "p1"))
    apply(scratch_db, evening.checked_in("p3", expected=3))
    state = seating_of(scratch_db, evening.meeting_id)
    assert list(state["members"]) == ["p0", "p2", "p3"] and state["count"] == 4
    assert store.seat_of(scratch_db, evening.meeting_id, "p1") is None
    assert store.seat_of(scratch_db, evening.meeting_id, "p3")["position"] == 3


def slip_in_before_the_first_seat(monkeypatch, db, envelope):
    """Make ``envelope``'s check-in land between another arrival's read of the seating and its write."""
    add_seat = store.add_seat

    def someone_else_first(*args, **kwargs):
        monkeypatch.setattr(store, "add_seat", add_seat)
        apply(db, envelope)
        return add_seat(*args, **kwargs)

    monkeypatch.setattr(store, "add_seat", someone_else_first)


def test_an_arrival_seated_meanwhile_is_taken_into_account(scratch_db, monkeypatch):
    evening = Evening(group_size=1)
    apply(scratch_db, evening.scheduled())
    slip_in_before_the_first_seat(monkeypatch, scratch_db, evening.checked_in("p1", expected=2))
    apply(scratch_db, evening.checked_in("p0", expected=2))
    assert sorted(p for m in groups_of(scratch_db, evening.meeting_id).values() for p in m) == ["p0", "p1"]
    assert [store.seat_of(scratch_db, evening.meeting_id, p)["position"] for p in ("p1", "p0")] == [0, 1]


def test_two_copies_of_a_check_in_at_once_seat_the_person_once(scratch_db, monkeypatch):
    evening = Evening()
    apply(scratch_db, evening.scheduled())
    slip_in_before_the_first_seat(monkeypatch, scratch_db, evening.checked_in("p0", expected=12))
    apply(scratch_db, evening.checked_in("p0", expected=12))  # the door pressed twice: two events, one person
    assert [e["payload"]["person_id"] for e in pending_events(scratch_db, "colour.assigned")] == ["p0"]
    assert seating_of(scratch_db, evening.meeting_id)["count"] == 1


def test_a_check_in_that_overtakes_the_evening_is_seated_and_the_evening_keeps_its_seed(scratch_db):
    evening = Evening()
    apply(scratch_db, evening.checked_in("p0", expected=12))  # before matching heard of the evening
    seed = seating_of(scratch_db, evening.meeting_id)["seed"]
    apply(scratch_db, evening.scheduled())
    apply(scratch_db, evening.checked_in("p1", expected=12))
    state = seating_of(scratch_db, evening.meeting_id)
    # 12 expected at group size 6: three tables of 4 planned (docs of matching.domain.colours)
    assert list(state["members"]) == ["p0", "p1"] and len(state["colours"]) == 3 and state["seed"] == seed
    assert store.meeting(scratch_db, evening.meeting_id)["info"]["title"] == evening.title
