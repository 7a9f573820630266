"""Colours at the door: each arrival joins a table group, at random and away from people they know, and the
tables end up holding between ``group_size - 2`` and ``group_size + 1`` people whenever the arrivals allow.

The choice is made one arrival at a time (the door waits on it), and nobody's colour changes once given:
- the tables are planned from the expected attendance and the arrivals so far (:func:`tables_for`): as many
  as fit the expected number within the bounds, as close to ``group_size`` each as they can be;
- a table opens ahead of need: before the open ones fill up so far that a table opened later could be left
  too small *and* too big to spread over the others (:func:`fill_limit`) — so whatever number comes, the
  start can set it right;
- an arrival joins one of the smallest open groups (a new group takes every arrival until it has caught
  up); among the smallest, companions are avoided first, then earlier table-mates, then it is random — a
  random drawn from the evening's seed and the arrival's place in the queue, so the same arrivals in the
  same order always give the same colours.

At the start (:func:`settle`) a table under the lower bound ("too small for a conversation") may be closed and
its people spread over the others (companions and earlier table-mates avoided again): the only colours that
ever change. A closed table keeps its number, so nobody else's table number changes either. Once started, no
colour opens any more: latecomers join the smallest open group.

What the start moves depends on how good the expectation was (4-60 arrivals at group size 6, people moved per
evening): about 0.1-0.3 from 0.75 to 1 times the expected attendance; about 1 when more come (the table opened
ahead of need is left small now and then); 1.5 at two thirds, 4 at 0.6 and 9 at half, since the planned
tables are all left small and every other one closes.
"""
import dataclasses
import functools
import heapq
import math
import random

from .vocabulary import colour_name

COMPANION_WEIGHT = 1000  # a companion at the table outweighs any number of earlier table-mates


def bounds(group_size: int) -> tuple[int, int]:
    """The sizes a table may have: ``group_size - 2`` to ``group_size + 1``, and never a table of one."""
    group_size = max(2, int(group_size or 6))
    low = max(2, group_size - 2)
    return low, max(group_size + 1, low + 1)


def feasible(count: int, group_size: int) -> bool:
    """Can ``count`` people sit at tables all within :func:`bounds`? (12 at group size 10 cannot: 1 × 12 is too
    many, 2 × 6 too few.)"""
    low, high = bounds(group_size)
    if count <= 0:
        return True
    tables = math.ceil(count / high)
    return tables * low <= count


def tables_for(expected: int | None, group_size: int) -> int:
    """How many tables ``expected`` people need: within the bounds, as close to ``group_size`` each as can be
    (9 at group size 6 → 2; 3 → 1; 62 → 10) — and one more where the expected number would fill them past
    :func:`fill_limit` while it still fits more tables (12 → 3 × 4, not 6 + 5 and a table opened for the 12th
    that the start would close again)."""
    if not expected or expected <= 0:
        return 1
    low, high = bounds(group_size)
    fewest, most = math.ceil(expected / high), expected // low
    ideal = max(1, math.floor(expected / max(2, group_size) + 0.5))
    if fewest > most:  # no way within the bounds (too few for one table, or between two counts that fit)
        return max(1, min(ideal, fewest) if expected >= low else 1)
    tables = min(max(ideal, fewest), most)
    while expected > fill_limit(tables, group_size) and tables < most:
        tables += 1
    return tables


colours_for = tables_for  # the name the door used before


@functools.lru_cache(maxsize=4096)
def fill_limit(tables: int, group_size: int) -> int:
    """The most people ``tables`` open tables may hold before the next table must open.

    The next table takes every arrival until it reaches the lower bound; if the evening starts before, it is
    closed and its people join the others. That must fit: for every number it may hold below the lower
    bound, the total either fits at the other tables or could not fit within the bounds at all."""
    low, high = bounds(group_size)
    for held in range(tables * high, -1, -1):
        if all(held + extra <= tables * high or not feasible(held + extra, group_size) for extra in range(1, low)):
            return held
    return 0


@dataclasses.dataclass
class Seating:
    """An evening's table groups so far. ``members`` maps person → colour; ``colours`` are the ones opened, in
    table order (a table's number is its place there); ``closed`` the ones closed at the start."""
    seed: str
    group_size: int = 6
    expected: int | None = None
    colours: list[str] = dataclasses.field(default_factory=list)
    members: dict[str, str] = dataclasses.field(default_factory=dict)
    started: bool = False
    closed: list[str] = dataclasses.field(default_factory=list)

    def open_colours(self) -> list[str]:
        return [c for c in self.colours if c not in self.closed]

    def sizes(self) -> dict[str, int]:
        """Open colour → how many sit there."""
        sizes = {c: 0 for c in self.open_colours()}
        for colour in self.members.values():
            if colour in sizes:
                sizes[colour] += 1
        return sizes

    def table_of(self, colour: str) -> int:
        return self.colours.index(colour) + 1


@dataclasses.dataclass(frozen=True)
class Choice:
    """Where one arrival sits, and why (kept so the organiser can explain it)."""
    person_id: str
    colour: str
    table: int
    position: int                  # 0-based place in the arrival queue
    opened: tuple[str, ...]        # colours opened by this arrival
    candidates: tuple[str, ...]    # the smallest groups it could join
    conflicts: dict                # colour → weighted count of companions/earlier table-mates there
    reason: str                    # "random" | "avoid_companions" | "avoid_encounters" | "already_seated"


def assign_colour(seating: Seating, person_id: str, companions=(), met=None) -> Choice:
    """Choose a colour for ``person_id`` and record it in ``seating`` (which is changed in place).

    ``companions``: people who came with this person. ``met``: person → how often they shared a table before.
    """
    if person_id in seating.members:
        colour = seating.members[person_id]
        return Choice(person_id, colour, seating.table_of(colour), -1, (), (colour,), {}, "already_seated")
    sizes = seating.sizes()
    opened = _open_colours(seating, sizes)
    sizes.update({c: 0 for c in opened})
    position = len(seating.members)
    colour, candidates, conflicts, reason = _pick(seating, sizes, person_id, companions, met or {},
                                                  f"{seating.seed}:{position}:{person_id}")
    seating.members[person_id] = colour
    return Choice(person_id, colour, seating.table_of(colour), position, tuple(opened), tuple(candidates),
                  {c: conflicts[c] for c in candidates if conflicts[c]}, reason)


def _pick(seating: Seating, sizes: dict, person_id: str, companions, met: dict, draw: str):
    """One of the smallest groups in ``sizes``: away from companions, then from earlier table-mates, then at random."""
    smallest = min(sizes.values())
    candidates = [c for c in sizes if sizes[c] == smallest]
    conflicts = _conflicts(seating, candidates, set(companions) - {person_id}, met)
    least = min(conflicts[c] for c in candidates)
    best = [c for c in candidates if conflicts[c] == least]
    colour = best[0] if len(best) == 1 else random.Random(draw).choice(best)
    if len(best) == len(candidates):
        reason = "random"
    elif any(conflicts[c] >= COMPANION_WEIGHT for c in candidates):
        reason = "avoid_companions"
    else:
        reason = "avoid_encounters"
    return colour, candidates, conflicts, reason


def _open_colours(seating: Seating, sizes: dict) -> list[str]:
    """Open the colours this arrival needs (``sizes``: the open ones' sizes now); returns the ones opened now."""
    open_now = list(sizes)
    opened = []
    seated = sum(sizes.values())
    planned = tables_for(max(seating.expected or 0, seated + 1), seating.group_size)
    if not open_now:  # the first arrival (or a first latecomer after a start with no one in)
        opened = [colour_name(len(seating.colours) + i) for i in range(1 if seating.started else planned)]
    elif not seating.started:
        if planned > len(open_now) or seated + 1 > fill_limit(len(open_now), seating.group_size):
            opened = [colour_name(len(seating.colours))]
    seating.colours.extend(opened)
    return opened


def _conflicts(seating: Seating, candidates: list[str], companions: set, met: dict) -> dict:
    """For each candidate colour, how strongly sitting there repeats a known face."""
    weight = {c: 0 for c in candidates}
    for other in companions:
        colour = seating.members.get(other)
        if colour in weight:
            weight[colour] += COMPANION_WEIGHT
    for other, times in met.items():
        colour = seating.members.get(other)
        if colour in weight and other not in companions:
            weight[colour] += max(1, int(times))
    return weight


# The start ------------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Move:
    """One person whose table was closed at the start, and where they sit now."""
    person_id: str
    from_colour: str
    colour: str
    table: int
    reason: str
    candidates: tuple[str, ...] = ()  # the smallest open tables it could join
    conflicts: tuple = ()             # (colour, weighted count of companions/earlier table-mates there)


def tables_to_close(seating: Seating) -> list[str]:
    """The open tables under the lower bound to close at the start, so that every table ends within the bounds
    (or, where no way fits, as close as it gets and nobody alone); the fewest people move. Tables kept are the
    larger and earlier ones, so a closed table is mostly the last one opened."""
    low, high = bounds(seating.group_size)
    sizes = seating.sizes()
    order = {c: i for i, c in enumerate(seating.colours)}
    small = sorted((c for c in sizes if sizes[c] < low), key=lambda c: (-sizes[c], order[c]))
    big = [c for c in sizes if sizes[c] >= low]
    if not small or len(sizes) < 2:
        return []
    # Keep the first ``keep`` small tables, close the rest: the most kept that fits moves the fewest people.
    room_big = sum(high - sizes[c] for c in big)
    kept_small = [sizes[c] for c in small]
    for keep in range(len(small), -1, -1):
        if not big and not keep:
            continue
        moving = sum(kept_small[keep:])
        need = sum(low - size for size in kept_small[:keep])
        room = room_big + sum(high - size for size in kept_small[:keep])
        if need <= moving <= room:
            return sorted(small[keep:], key=order.get)
    # No way within the bounds: as near as it gets, nobody alone first, then the fewest moved.
    options = []
    for keep in range(len(small), -1, -1):
        if not big and not keep:
            continue
        result = _spread_sizes([sizes[c] for c in big] + kept_small[:keep], sum(kept_small[keep:]))
        lonely = sum(1 for size in result if size == 1) if sum(sizes.values()) > 1 else 0
        outside = sum(max(0, low - size, size - high) for size in result)  # how far from the bounds, in people
        options.append(((lonely, outside, sum(kept_small[keep:])), small[keep:]))
    best = min(options, key=lambda o: o[0])  # the first of equals: the most tables kept
    return sorted(best[1], key=order.get)


def _spread_sizes(kept: list[int], moving: int) -> list[int]:
    """The table sizes after ``moving`` people join the smallest tables one by one."""
    sizes = list(kept)
    heapq.heapify(sizes)
    for _ in range(moving):
        heapq.heapreplace(sizes, sizes[0] + 1)
    return sizes


def settle(seating: Seating, history: dict | None = None) -> list[Move]:
    """The start: close the tables :func:`tables_to_close` names and seat their people at the others (each at a
    smallest one, companions and earlier table-mates avoided, drawn from the seed), in arrival order.
    ``history``: person → ``{"companions": [...], "met": {other: times}}`` of the people who move. Changes
    ``seating`` in place (and marks it started); returns the moves."""
    history = history or {}
    closing = tables_to_close(seating)
    seating.closed.extend(closing)
    seating.started = True
    sizes = seating.sizes()
    moves = []
    for person, colour in list(seating.members.items()):
        if colour not in closing:
            continue
        known = history.get(person) or {}
        new, candidates, conflicts, reason = _pick(seating, sizes, person, known.get("companions") or (),
                                                   known.get("met") or {}, f"{seating.seed}:start:{person}")
        seating.members[person] = new
        sizes[new] += 1
        moves.append(Move(person, colour, new, seating.table_of(new), reason, tuple(candidates),
                          tuple((c, conflicts[c]) for c in candidates if conflicts[c])))
    return moves


def groups(seating: Seating) -> list[dict]:
    """The open groups as the API shows them: ``[{colour, table, members}]`` in table order."""
    by_colour = {c: [] for c in seating.open_colours()}
    for person, colour in seating.members.items():
        by_colour.setdefault(colour, []).append(person)
    return [{"colour": c, "table": seating.table_of(c), "members": m} for c, m in by_colour.items()]


def table_mates(seating: Seating) -> dict[str, list[str]]:
    """Person → the others at their table: the encounters to remember for the next evenings."""
    by_colour: dict[str, list[str]] = {}
    for person, colour in seating.members.items():
        by_colour.setdefault(colour, []).append(person)
    return {p: [o for o in by_colour[c] if o != p] for p, c in seating.members.items()}
