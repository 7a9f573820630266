"""The rotation: no initiative at two tables at once, every group meets every initiative once when time allows,
fair coverage when it does not, and a fresh ice-breaker at each table every round."""
import datetime as dt
from collections import Counter

from hypothesis import given, settings, strategies as st

from matching.domain.questions import QUESTIONS
from matching.domain.timetable import Table, build_timetable, rounds_needed
from matching.domain.vocabulary import colour_name

START = dt.datetime(2026, 12, 12, 19, 0, tzinfo=dt.timezone.utc)
FAST = settings(max_examples=80, deadline=None)


def tables(n):
    return [Table(i + 1, colour_name(i)) for i in range(n)]


def initiatives(n):
    return [f"init-{k}" for k in range(n)]


def meetings(rounds):
    """table → list of initiatives it met, in order."""
    met = {}
    for r in rounds:
        for t in r["tables"]:
            if t["initiative_id"]:
                met.setdefault(t["table"], []).append(t["initiative_id"])
    return met


@FAST
@given(st.integers(1, 25), st.integers(0, 25), st.integers(10, 30), st.integers(20, 600))
def test_never_one_initiative_at_two_tables_in_a_round(n_tables, n_inits, slot, max_minutes):
    rounds = build_timetable(tables(n_tables), initiatives(n_inits), START, slot, max_minutes)
    for r in rounds:
        present = [t["initiative_id"] for t in r["tables"] if t["initiative_id"]]
        assert len(present) == len(set(present))
        assert sorted(t["table"] for t in r["tables"]) == list(range(1, n_tables + 1))


@FAST
@given(st.integers(1, 20), st.integers(0, 20), st.integers(10, 30))
def test_with_time_enough_every_group_meets_every_initiative_exactly_once(n_tables, n_inits, slot):
    rounds = build_timetable(tables(n_tables), initiatives(n_inits), START, slot, max_minutes=None)
    assert len(rounds) == max(1, rounds_needed(n_tables, n_inits))
    met = meetings(rounds)
    for table in range(1, n_tables + 1):
        assert sorted(met.get(table, [])) == sorted(initiatives(n_inits))


@FAST
@given(st.integers(1, 25), st.integers(1, 25), st.integers(1, 24))
def test_a_short_evening_shares_what_time_there_is_fairly(n_tables, n_inits, n_rounds):
    rounds = build_timetable(tables(n_tables), initiatives(n_inits), START, 20, max_minutes=20 * n_rounds)
    assert len(rounds) == min(n_rounds, max(n_tables, n_inits))
    met = meetings(rounds)
    per_group = [len(met.get(t, [])) for t in range(1, n_tables + 1)]
    assert max(per_group) - min(per_group) <= 1
    for visits in met.values():
        assert len(visits) == len(set(visits))  # no group sees an initiative twice
    reach = Counter(i for visits in met.values() for i in visits)
    per_initiative = [reach.get(i, 0) for i in initiatives(n_inits)]
    assert max(per_initiative) - min(per_initiative) <= 1
    # No slot goes to waste: in each round as many tables host as there can be.
    for r in rounds:
        assert sum(1 for t in r["tables"] if t["initiative_id"]) == min(n_tables, n_inits)


@FAST
@given(st.integers(1, 30), st.integers(0, 20), st.integers(10, 30))
def test_each_table_opens_every_round_with_a_question_it_has_not_heard(n_tables, n_inits, slot):
    rounds = build_timetable(tables(n_tables), initiatives(n_inits), START, slot, max_minutes=slot * len(QUESTIONS))
    heard = {}
    for r in rounds:
        for t in r["tables"]:
            assert t["question"]["nl"] and t["question"]["en"]
            heard.setdefault(t["table"], []).append(t["question"]["nl"])
    for questions in heard.values():
        assert len(questions) == len(set(questions))


def test_the_evening_opens_with_the_reports_questions_and_rounds_follow_the_slots():
    rounds = build_timetable(tables(4), initiatives(4), START, 20, 180)
    first = {t["question"]["nl"] for t in rounds[0]["tables"]}
    assert first == {"Waar ben je trots op?", "Wat deed je als kind graag?",
                     "Waar krijg jij weleens een compliment over?", "Waar krijg je energie van?"}
    assert [r["starts_at"] for r in rounds] == [START + dt.timedelta(minutes=20 * k) for k in range(4)]
    assert all(en for _nl, en in QUESTIONS) and len(QUESTIONS) >= 12


def test_an_evening_without_tables_has_no_rounds():
    assert build_timetable([], initiatives(3), START, 20, 180) == []
