"""The rotation: which initiative presents at which table in each round, and each table's opening question.

Tables and initiatives sit on one cycle of ``n = max(tables, initiatives)`` slots, each spread evenly over
it; in round r table t hosts whatever occupies slot ``(position(t) + r) mod n``. Distinct tables look at
distinct slots, so no initiative is ever at two tables in a round, and over n rounds every table sees every
slot once: every group meets every initiative exactly once. When the evening is too short for n rounds,
the even spread makes the shortfall fair: the numbers of initiatives the groups meet differ by at most one,
and so do the numbers of tables the initiatives reach.
"""
import dataclasses
import datetime as dt

from .questions import QUESTIONS, question


@dataclasses.dataclass(frozen=True)
class Table:
    table: int
    colour: str


def rounds_needed(tables: int, initiatives: int) -> int:
    return max(tables, initiatives) if tables else 0


def _spread(count: int, n: int) -> list[int]:
    """``count`` positions spread as evenly as possible over a cycle of ``n`` slots."""
    return [(k * n) // count for k in range(count)]


def build_timetable(tables: list[Table], initiative_ids: list[str], starts_at: dt.datetime, slot_minutes: int,
                    max_minutes: int | None = None) -> list[dict]:
    """``[{starts_at, tables: [{table, colour, initiative_id|None, question: {nl, en}}]}]``, round by round."""
    tables = sorted(tables, key=lambda t: t.table)
    initiative_ids = list(dict.fromkeys(initiative_ids))  # presenting once each, in the given order
    slot_minutes = max(1, int(slot_minutes))
    n = max(len(tables), len(initiative_ids))
    if not tables:
        return []
    count = max(1, n)
    if max_minutes is not None:
        count = max(1, min(count, int(max_minutes) // slot_minutes))
    table_slot = _spread(len(tables), n)
    slot_initiative = {slot: initiative_ids[k] for k, slot in enumerate(_spread(len(initiative_ids), n))} \
        if initiative_ids else {}
    rounds = []
    for r in range(count):
        rows = []
        for i, table in enumerate(tables):
            slot = (table_slot[i] + r) % n if n else 0
            rows.append({
                "table": table.table,
                "colour": table.colour,
                "initiative_id": slot_initiative.get(slot),
                # Shifted per table so neighbouring tables hear different questions in the same round, and
                # stepping by round so a table never hears one twice (until the list runs out).
                "question": question(_question_index(i, r)),
            })
        rounds.append({"starts_at": starts_at + dt.timedelta(minutes=r * slot_minutes), "tables": rows})
    return rounds


def _question_index(table_index: int, round_index: int) -> int:
    # The report's four questions open the evening at every table; after that the tables fan out.
    if round_index < 4:
        return (table_index + round_index) % 4
    return 4 + (table_index + round_index - 4) % (len(QUESTIONS) - 4)
