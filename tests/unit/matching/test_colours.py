"""Colours at the door: balance, companions apart, earlier table-mates apart, reproducible, fixed after the start."""
from hypothesis import given, settings, strategies as st

from matching.domain.colours import (Seating, assign_colour, bounds, fill_limit, groups, settle, table_mates,
                                     tables_for)
from matching.domain.vocabulary import COLOURS

FAST = settings(max_examples=60, deadline=None)


@st.composite
def evenings(draw):
    """An evening: expected attendance, group size, and a queue of arrivals with some companions."""
    group_size = draw(st.integers(min_value=2, max_value=8))
    expected = draw(st.integers(min_value=0, max_value=60))
    count = draw(st.integers(min_value=1, max_value=80))
    people = [f"p{i}" for i in range(count)]
    companions = {}
    i = 0
    while i < count:  # people arrive in little parties: 1 to 3 who came together
        size = draw(st.integers(min_value=1, max_value=3))
        party = people[i:i + size]
        for p in party:
            companions[p] = [o for o in party if o != p]
        i += size
    seed = draw(st.text(alphabet="0123456789abcdef", min_size=4, max_size=8))
    return group_size, expected, people, companions, seed


@FAST
@given(evenings())
def test_every_arrival_joins_a_smallest_group(evening):
    group_size, expected, people, companions, seed = evening
    seating = Seating(seed=seed, group_size=group_size, expected=expected)
    for person in people:
        before = seating.sizes()
        choice = assign_colour(seating, person, companions[person])
        if before and not choice.opened:
            assert before[choice.colour] == min(before.values())
    # The numbers add up: everybody has exactly one colour.
    assert sum(len(g["members"]) for g in groups(seating)) == len(people)


@FAST
@given(evenings())
def test_a_colour_opened_late_takes_every_arrival_until_it_has_caught_up(evening):
    group_size, expected, people, companions, seed = evening
    seating = Seating(seed=seed, group_size=group_size, expected=expected)
    low, high = bounds(group_size)
    for person in people:
        assign_colour(seating, person, companions[person])
        sizes = sorted(seating.sizes().values())
        # At most one group is behind, and all the others are level within one; none grows past the bounds.
        assert sizes[-1] - sizes[1 if len(sizes) > 1 else 0] <= 1
        assert sizes[-1] <= high


@FAST
@given(evenings())
def test_companions_sit_apart_whenever_a_smallest_group_without_them_exists(evening):
    group_size, expected, people, companions, seed = evening
    seating = Seating(seed=seed, group_size=group_size, expected=expected)
    for person in people:
        choice = assign_colour(seating, person, companions[person])
        at_table = [o for o in companions[person] if seating.members.get(o) == choice.colour]
        if at_table:
            # Only when every group it could join already held one of them.
            assert all(any(seating.members.get(o) == c for o in companions[person]) for c in choice.candidates)


def test_parties_that_fit_are_always_split_over_the_tables():
    seating = Seating(seed="feest", group_size=6, expected=60)  # ten tables planned
    parties = [[f"p{n}-{k}" for k in range(3)] for n in range(20)]
    for party in parties:
        for person in party:
            assign_colour(seating, person, [o for o in party if o != person])
    for party in parties:
        assert len({seating.members[p] for p in party}) == len(party)


@FAST
@given(evenings())
def test_the_same_seed_and_queue_give_the_same_colours(evening):
    group_size, expected, people, companions, seed = evening

    def run(s):
        seating = Seating(seed=s, group_size=group_size, expected=expected)
        for person in people:
            assign_colour(seating, person, companions[person])
        moves = settle(seating, {p: {"companions": companions[p]} for p in people})
        return seating.members, moves

    assert run(seed) == run(seed)


def test_different_evenings_differ():
    people = [f"p{i}" for i in range(40)]
    runs = []
    for seed in ("a", "b"):
        seating = Seating(seed=seed, group_size=6, expected=40)
        for p in people:
            assign_colour(seating, p)
        runs.append(seating.members)
    assert runs[0] != runs[1]


def test_the_number_of_tables_follows_expected_attendance_and_the_colours_come_in_order():
    seating = Seating(seed="x", group_size=6, expected=62)
    for i in range(62):
        assign_colour(seating, f"p{i}")
    assert seating.colours == list(COLOURS)
    assert tables_for(3, 6) == 1 and tables_for(9, 6) == 2 and tables_for(18, 6) == 3
    assert tables_for(62, 6) == 10 and tables_for(None, 6) == 1
    assert tables_for(8, 6) == 2  # one table of 8 is too big for group size 6: two of 4
    # 12 would fill two tables past the point where a third must open (in case more come): three of 4.
    assert tables_for(12, 6) == 3 and tables_for(20, 6) == 4


def test_more_people_than_expected_open_a_table_before_the_others_are_full():
    seating = Seating(seed="x", group_size=6, expected=10)  # two tables planned
    assert fill_limit(2, 6) == 11  # the third opens before a 12th joins them
    for i in range(11):
        assign_colour(seating, f"p{i}")
    assert seating.colours == ["rood", "blauw"] and max(seating.sizes().values()) <= 6
    choice = assign_colour(seating, "p11")
    assert choice.opened == ("groen",) and choice.colour == "groen" and choice.table == 3


def test_after_the_start_groups_are_fixed_and_latecomers_join_the_smallest():
    seating = Seating(seed="x", group_size=2, expected=4)
    for p in ("a", "b", "c", "d"):
        assign_colour(seating, p)
    assert settle(seating) == []
    smallest = min(seating.sizes(), key=seating.sizes().get)
    late = assign_colour(seating, "late")
    assert late.colour == smallest
    for i in range(20):  # far more than expected: still no new colour
        assign_colour(seating, f"late{i}")
    assert seating.colours == ["rood", "blauw"]
    sizes = seating.sizes()
    assert max(sizes.values()) - min(sizes.values()) <= 1


def test_someone_already_seated_keeps_their_colour():
    seating = Seating(seed="x", expected=12)
    first = assign_colour(seating, "a")
    again = assign_colour(seating, "a")
    assert again.colour == first.colour and len(seating.members) == 1


@FAST
@given(st.integers(min_value=0, max_value=10_000))
def test_earlier_table_mates_are_kept_apart_when_the_groups_allow(seed):
    # Last time, a..f sat together. Tonight there are six tables: no two of them should share one.
    last_time = ["a", "b", "c", "d", "e", "f"]
    met = {p: {o: 1 for o in last_time if o != p} for p in last_time}
    seating = Seating(seed=str(seed), group_size=6, expected=36)
    for i in range(12):
        assign_colour(seating, f"new{i}")
    for p in last_time:
        assign_colour(seating, p, met=met[p])
    assert len({seating.members[p] for p in last_time}) == 6


def test_table_mates_are_everyone_else_at_the_table():
    seating = Seating(seed="x", group_size=2, expected=4)
    for p in "abcd":
        assign_colour(seating, p)
    mates = table_mates(seating)
    for p, others in mates.items():
        assert all(seating.members[o] == seating.members[p] for o in others) and p not in others
        assert len(others) == 1
