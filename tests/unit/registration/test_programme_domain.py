"""The programme as table hosts read it, from the timetable matching published: rounds with their end, one card
per table, the hall screen at a moment, a resident's own table."""
import datetime as dt

from registration.domain import programme as plan

T0 = dt.datetime(2026, 12, 12, 18, 30, tzinfo=dt.timezone.utc)


def schedule(rounds=3, tables=(("rood", 1), ("blauw", 2)), initiatives=("a", "b")):
    made = []
    for r in range(rounds):
        made.append({"starts_at": (T0 + dt.timedelta(minutes=20 * r)).isoformat(), "tables": [
            {"table": t, "colour": c, "initiative_id": (initiatives[(i + r) % len(initiatives)]
                                                        if (i + r) % 3 < len(initiatives) else None),
             "question": {"nl": f"vraag {r}{t}", "en": f"question {r}{t}"}}
            for i, (c, t) in enumerate(tables)]})
    return made


def test_rounds_end_when_the_next_starts_and_the_last_after_one_slot():
    rounds = plan.rounds(list(reversed(schedule())), slot_minutes=20)
    assert [r.number for r in rounds] == [1, 2, 3]
    assert rounds[0].ends_at == rounds[1].starts_at
    assert rounds[-1].ends_at - rounds[-1].starts_at == dt.timedelta(minutes=20)


def test_a_card_per_table_holds_its_rounds_in_order_with_colour_and_questions():
    cards = plan.cards(plan.rounds(schedule()))
    assert [(c.table, c.colour) for c in cards] == [(1, "rood"), (2, "blauw")]
    assert [row.round.number for row in cards[0].rows] == [1, 2, 3]
    assert plan.question_text(cards[1].rows[2].seat.question, "en") == "question 22"


def test_an_older_timetable_with_plain_questions_reads_in_both_languages():
    old = [{"starts_at": T0.isoformat(), "tables": [{"table": 1, "colour": "rood", "initiative_id": None,
                                                     "question": "Waar ben je trots op?"}]}]
    seat = plan.rounds(old)[0].seats[0]
    assert plan.question_text(seat.question, "en") == plan.question_text(seat.question, "nl") == "Waar ben je trots op?"


def test_the_hall_before_during_and_after_the_rounds():
    rounds = plan.rounds(schedule())
    before = plan.hall(rounds, T0 - dt.timedelta(minutes=5))
    assert before.phase == plan.BEFORE and before.next_at == T0
    running = plan.hall(rounds, T0 + dt.timedelta(minutes=25))
    assert running.phase == plan.RUNNING and running.current.number == 2
    assert running.next_at == T0 + dt.timedelta(minutes=40)
    # Where each initiative goes at the next rotation: the table it has in round 3.
    third = {s.initiative_id: s.table for s in rounds[2].seats if s.initiative_id}
    assert {m.initiative_id: m.next_table for m in running.moves} == third
    last = plan.hall(rounds, T0 + dt.timedelta(minutes=45))
    assert last.upcoming is None and all(m.next_table is None for m in last.moves)
    assert last.next_at == T0 + dt.timedelta(minutes=60)
    assert plan.hall(rounds, T0 + dt.timedelta(hours=2)).phase == plan.AFTER


def test_no_timetable_yet_is_before_with_nothing_to_show():
    empty = plan.hall(plan.rounds(None), T0)
    assert empty.phase == plan.BEFORE and empty.next_at is None and empty.moves == ()


def test_a_residents_table_is_found_by_number_else_by_colour():
    rounds = plan.rounds(schedule())
    assert {row.seat.table for row in plan.seat_of(rounds, 2, None)} == {2}
    assert {row.seat.colour for row in plan.seat_of(rounds, 9, "rood")} == {"rood"}
    assert plan.seat_of(rounds, None, None) == []


def test_an_initiative_without_a_table_next_round_pauses_unless_it_is_done():
    # Three initiatives at two tables: each sits one round out, and the hall says "pause", not "done".
    three = [{"starts_at": (T0 + dt.timedelta(minutes=20 * r)).isoformat(), "tables": [
        {"table": t + 1, "colour": c, "initiative_id": "abc"[(t + r) % 3], "question": {"nl": "v", "en": "q"}}
        for t, c in enumerate(("rood", "blauw"))]} for r in range(3)]
    rounds = plan.rounds(three)
    first = {m.initiative_id: m for m in plan.hall(rounds, T0).moves}
    assert first["a"].next_table is None and first["a"].returns
    last = plan.hall(rounds, T0 + dt.timedelta(minutes=41))
    assert all(not m.returns for m in last.moves)
