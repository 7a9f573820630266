"""Colours at the door: each arrival joins a table group, balanced, at random, and away from people they know.

The choice is made one arrival at a time (the door waits on it), from the evening's seating so far:
- the number of colours follows the expected attendance and the group size;
- an arrival always joins one of the smallest groups, so the groups opened at the first arrival never differ
  by more than one; among the smallest, companions are avoided first, then earlier table-mates, then it is
  random — a random drawn from the evening's stored seed and the arrival's place in the queue, so the same
  arrivals in the same order always give the same colours;
- when more people come than expected, the groups grow up to ``max_group_size`` and only then a new colour
  opens; that new group takes every arrival until it has caught up, after which all differ by at most one;
- once the evening has started no colour opens any more: latecomers join the smallest group.
"""
import dataclasses
import math
import random

from .vocabulary import colour_name

COMPANION_WEIGHT = 1000  # a companion at the table outweighs any number of earlier table-mates


def colours_for(expected: int | None, group_size: int) -> int:
    """How many colours to open for an evening: the expected attendance in groups of about ``group_size``."""
    group_size = max(1, group_size)
    if not expected or expected <= 0:
        return 1
    return max(1, round(expected / group_size))


def max_group_size(group_size: int) -> int:
    """How far a group may grow past ``group_size`` before a new colour opens (a third more, at least one)."""
    group_size = max(1, group_size)
    return group_size + max(1, math.ceil(group_size / 3))


@dataclasses.dataclass
class Seating:
    """An evening's table groups so far. ``members`` maps person → colour; ``colours`` are the open ones, in order."""
    seed: str
    group_size: int = 6
    expected: int | None = None
    colours: list[str] = dataclasses.field(default_factory=list)
    members: dict[str, str] = dataclasses.field(default_factory=dict)
    started: bool = False

    def sizes(self) -> dict[str, int]:
        sizes = {c: 0 for c in self.colours}
        for colour in self.members.values():
            sizes[colour] = sizes.get(colour, 0) + 1
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
    met = met or {}
    opened = _open_colours(seating)
    sizes = seating.sizes()
    smallest = min(sizes.values())
    candidates = [c for c in seating.colours if sizes[c] == smallest]
    conflicts = _conflicts(seating, candidates, set(companions) - {person_id}, met)
    least = min(conflicts[c] for c in candidates)
    best = [c for c in candidates if conflicts[c] == least]
    position = len(seating.members)
    rng = random.Random(f"{seating.seed}:{position}:{person_id}")
    colour = best[0] if len(best) == 1 else rng.choice(best)
    if len(best) == len(candidates):
        reason = "random"
    elif any(conflicts[c] >= COMPANION_WEIGHT for c in candidates):
        reason = "avoid_companions"
    else:
        reason = "avoid_encounters"
    seating.members[person_id] = colour
    return Choice(person_id, colour, seating.table_of(colour), position, tuple(opened), tuple(candidates),
                  {c: conflicts[c] for c in candidates if conflicts[c]}, reason)


def _open_colours(seating: Seating) -> list[str]:
    """Open the colours this arrival needs; returns the ones opened now."""
    opened = []
    if seating.started:
        if not seating.colours:  # started with no one in: a first latecomer still needs a table
            opened.append(colour_name(0))
    elif not seating.colours:
        opened = [colour_name(i) for i in range(colours_for(seating.expected, seating.group_size))]
    else:
        sizes = seating.sizes()
        if min(sizes.values()) >= max_group_size(seating.group_size):
            opened.append(colour_name(len(seating.colours)))
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


def groups(seating: Seating) -> list[dict]:
    """The groups as the API shows them: ``[{colour, table, members}]`` in table order."""
    by_colour = {c: [] for c in seating.colours}
    for person, colour in seating.members.items():
        by_colour.setdefault(colour, []).append(person)
    return [{"colour": c, "table": i + 1, "members": by_colour.get(c, [])} for i, c in enumerate(seating.colours)]


def table_mates(seating: Seating) -> dict[str, list[str]]:
    """Person → the others at their table: the encounters to remember for the next evenings."""
    by_colour: dict[str, list[str]] = {}
    for person, colour in seating.members.items():
        by_colour.setdefault(colour, []).append(person)
    return {p: [o for o in by_colour[c] if o != p] for p, c in seating.members.items()}
