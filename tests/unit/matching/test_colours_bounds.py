"""Tables that mix, at any turnout: after the start every table holds group_size − 2 to group_size + 1 people
whenever the arrivals allow, nobody sits alone, and the only colours ever changed are those of a table closed
at the start — for 1 to 120 arrivals against an expected attendance from half to double, walk-ins included."""
from hypothesis import given, settings, strategies as st

from matching.domain.colours import COMPANION_WEIGHT, Seating, assign_colour, bounds, feasible, settle

PROPERTY = settings(max_examples=250, deadline=None)
FAST = settings(max_examples=60, deadline=None)


@st.composite
def turnouts(draw):
    """An evening as registration tells it to matching: ``signed_up`` confirmed, of whom some come, and walk-ins
    among them; each check-in carries the expected attendance (those confirmed — a walk-in is signed up at the
    door — or those arrived, if more). Some came together; some sat together at an earlier evening."""
    group_size = draw(st.integers(min_value=2, max_value=10))
    arrivals = draw(st.integers(min_value=1, max_value=120))
    signed_up = draw(st.integers(min_value=max(1, arrivals // 2), max_value=2 * arrivals))
    walk_ins = draw(st.integers(min_value=max(0, arrivals - signed_up), max_value=arrivals))
    queue = draw(st.permutations(["walk-in"] * walk_ins + ["signed-up"] * (arrivals - walk_ins)))
    people = [f"p{i}" for i in range(arrivals)]
    companions = {p: [] for p in people}
    pairs = st.lists(st.integers(min_value=0, max_value=arrivals - 2), max_size=10) if arrivals > 1 else st.just([])
    for i in draw(pairs):
        a, b = people[i], people[i + 1]
        companions[a].append(b)
        companions[b].append(a)
    met = {p: {} for p in people}
    for i, j in draw(st.lists(st.tuples(st.integers(0, arrivals - 1), st.integers(0, arrivals - 1)), max_size=20)):
        if i != j:
            met[people[i]][people[j]] = met[people[j]][people[i]] = 1
    seed = draw(st.text(alphabet="0123456789abcdef", min_size=1, max_size=8))
    return group_size, signed_up, list(zip(people, queue)), companions, met, seed


def run_evening(group_size, signed_up, queue, companions, met, seed):
    """Every check-in as the door makes it, then the start; returns the seating, the colours as given at the
    door, and the start's moves."""
    seating = Seating(seed=seed, group_size=group_size)
    given_at_door, confirmed = {}, signed_up
    for arrived, (person, kind) in enumerate(queue):
        if kind == "walk-in":
            confirmed += 1
        seating.expected = max(confirmed, arrived)
        given_at_door[person] = assign_colour(seating, person, companions[person], met[person]).colour
    history = {p: {"companions": companions[p], "met": met[p]} for p in given_at_door}
    moves = settle(seating, history)
    return seating, given_at_door, moves


@PROPERTY
@given(turnouts())
def test_after_the_start_tables_are_within_the_bounds_nobody_is_alone_and_only_closed_tables_changed(turnout):
    seating, given_at_door, moves = run_evening(*turnout)
    low, high = bounds(turnout[0])
    sizes = sorted(seating.sizes().values())
    arrivals = len(seating.members)
    assert sum(sizes) == arrivals
    # Every table within group_size − 2 .. group_size + 1 whenever the arrivals allow.
    if feasible(arrivals, turnout[0]):
        assert all(low <= s <= high for s in sizes), (arrivals, sizes)
    elif arrivals < low:  # too few for a table of the least size: one table
        assert len(sizes) == 1, (arrivals, sizes)
    else:  # between two counts that fit (12 at group size 10: 1 × 12 too many, 2 × 6 too few): as near as it gets
        assert sum(max(0, low - s, s - high) for s in sizes) <= 2, (arrivals, sizes)
    # Nobody alone, no empty table.
    if arrivals >= 2:
        assert 1 not in sizes and 0 not in sizes
    # No colour changed but those of the people at a table closed at the start, each told where they sit now.
    moved = {m.person_id: m for m in moves}
    for person, colour in given_at_door.items():
        if person in moved:
            assert moved[person].from_colour == colour and colour in seating.closed
            assert seating.members[person] == moved[person].colour != colour
            assert seating.table_of(moved[person].colour) == moved[person].table
        else:
            assert seating.members[person] == colour
    # Only tables too small for a conversation close, and all of their people move.
    closed = set(seating.closed)
    assert all(sum(1 for c in given_at_door.values() if c == colour) < low for colour in closed)
    assert {p for p, c in given_at_door.items() if c in closed} == set(moved)


@FAST
@given(turnouts())
def test_companions_are_not_moved_to_each_other_when_another_table_would_do(turnout):
    _seating, _given, moves = run_evening(*turnout)
    for move in moves:
        conflicts = dict(move.conflicts)
        if conflicts.get(move.colour, 0) >= COMPANION_WEIGHT:
            # Only when every smallest table it could join already held one of them.
            assert all(conflicts.get(c, 0) >= COMPANION_WEIGHT for c in move.candidates)


@FAST
@given(turnouts())
def test_the_same_queue_and_seed_give_the_same_evening(turnout):
    first, second = run_evening(*turnout), run_evening(*turnout)
    assert first[0].members == second[0].members and first[2] == second[2]


def test_nine_arrivals_at_group_size_six_sit_at_two_tables():
    for expected in (None, 6, 9, 12):
        seating = Seating(seed="demo", group_size=6, expected=expected)
        for i in range(9):
            assign_colour(seating, f"p{i}")
        settle(seating)
        assert sorted(seating.sizes().values()) == [4, 5], expected


def test_three_arrivals_sit_at_one_table():
    seating = Seating(seed="klein", group_size=6, expected=3)
    for i in range(3):
        assign_colour(seating, f"p{i}")
    settle(seating)
    assert list(seating.sizes().values()) == [3]


def test_eight_who_signed_up_and_came_and_one_walk_in_make_five_and_four():
    seating = Seating(seed="noord", group_size=6)
    for i in range(8):
        seating.expected = 8
        assign_colour(seating, f"signed-up-{i}")
    seating.expected = 9  # the walk-in is signed up at the door
    assign_colour(seating, "walk-in")
    moves = settle(seating)
    assert sorted(seating.sizes().values()) == [4, 5] and moves == []


def test_a_table_too_small_at_the_start_closes_and_keeps_the_other_numbers():
    seating = Seating(seed="x", group_size=6, expected=6)  # one table planned
    for i in range(6):  # the fifth opened a second table ahead of need: 4 + 2
        assign_colour(seating, f"p{i}")
    assert sorted(seating.sizes().values()) == [2, 4]
    moves = settle(seating)
    assert len(moves) == 2 and {m.from_colour for m in moves} == {"blauw"} and {m.colour for m in moves} == {"rood"}
    assert seating.closed == ["blauw"] and seating.sizes() == {"rood": 6} and seating.table_of("rood") == 1
