"""The evening's programme as table hosts need it: rounds with their end, a card per table, and what the hall
screen shows at a moment (the round now, the next rotation, where each initiative goes next).

Pure: built from the timetable matching published (``schedule.published``, kept on the evening) and the
evening's slot length. A question is ``{nl, en}``; an older timetable's plain string is read as both.
"""
import dataclasses
import datetime as dt

BEFORE, RUNNING, AFTER = "before", "running", "after"


@dataclasses.dataclass(frozen=True)
class Seat:
    table: int
    colour: str
    initiative_id: str | None
    question: dict


@dataclasses.dataclass(frozen=True)
class Round:
    number: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    seats: tuple[Seat, ...]


@dataclasses.dataclass(frozen=True)
class CardRow:
    round: Round
    seat: Seat


@dataclasses.dataclass(frozen=True)
class Card:
    table: int
    colour: str
    rows: tuple[CardRow, ...]


@dataclasses.dataclass(frozen=True)
class Move:
    initiative_id: str
    table: int | None  # where it is now (None: not at a table this round)
    next_table: int | None  # where it goes at the next rotation (None: its last round)
    next_colour: str | None
    returns: bool = False  # not at a table next round, but in a later one (a pause, not the end)


@dataclasses.dataclass(frozen=True)
class Hall:
    phase: str
    current: Round | None
    next_at: dt.datetime | None  # the next rotation, or the end of the last round
    upcoming: Round | None
    moves: tuple[Move, ...]


def question_text(question, lang: str) -> str:
    if isinstance(question, dict):
        return question.get(lang) or question.get("nl") or ""
    return str(question or "")


def _aware(value) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def _question(value) -> dict:
    if isinstance(value, dict):
        return {"nl": value.get("nl") or value.get("en") or "", "en": value.get("en") or value.get("nl") or ""}
    return {"nl": str(value or ""), "en": str(value or "")}


def rounds(schedule: list[dict] | None, slot_minutes: int = 20) -> list[Round]:
    """The timetable's rounds in order, each ending when the next starts (the last after one slot)."""
    raw = sorted(schedule or [], key=lambda r: _aware(r["starts_at"]))
    starts = [_aware(r["starts_at"]) for r in raw]
    slot = dt.timedelta(minutes=max(1, int(slot_minutes or 20)))
    made = []
    for i, (start, r) in enumerate(zip(starts, raw)):
        end = starts[i + 1] if i + 1 < len(starts) else start + slot
        seats = tuple(sorted((Seat(int(t["table"]), str(t["colour"]), t.get("initiative_id"),
                                   _question(t.get("question"))) for t in r.get("tables") or []),
                             key=lambda s: s.table))
        made.append(Round(i + 1, start, end, seats))
    return made


def cards(all_rounds: list[Round]) -> list[Card]:
    """One card per table, in table order: its colour and what happens there round by round."""
    by_table: dict[int, list[CardRow]] = {}
    colours: dict[int, str] = {}
    for r in all_rounds:
        for seat in r.seats:
            by_table.setdefault(seat.table, []).append(CardRow(r, seat))
            colours[seat.table] = seat.colour
    return [Card(t, colours[t], tuple(by_table[t])) for t in sorted(by_table)]


def seat_of(all_rounds: list[Round], table: int | None, colour: str | None) -> list[CardRow]:
    """A resident's table through the evening, found by table number, else by colour."""
    for card in cards(all_rounds):
        if card.table == table:
            return list(card.rows)
    for card in cards(all_rounds):
        if colour and card.colour == colour:
            return list(card.rows)
    return []


def hall(all_rounds: list[Round], now: dt.datetime) -> Hall:
    """What the hall screen shows at ``now``."""
    now = _aware(now)
    if not all_rounds:
        return Hall(BEFORE, None, None, None, ())
    if now < all_rounds[0].starts_at:
        first = all_rounds[0]
        return Hall(BEFORE, None, first.starts_at, first, _moves(None, first, all_rounds[1:]))
    current = next((r for r in all_rounds if r.starts_at <= now < r.ends_at), None)
    if current is None:
        return Hall(AFTER, None, None, None, ())
    upcoming = all_rounds[current.number] if current.number < len(all_rounds) else None
    return Hall(RUNNING, current, current.ends_at, upcoming, _moves(current, upcoming, all_rounds[current.number + 1:]))


def _moves(current: Round | None, upcoming: Round | None, later: list[Round]) -> tuple[Move, ...]:
    now_at = {s.initiative_id: s.table for s in (current.seats if current else ()) if s.initiative_id}
    next_at = {s.initiative_id: s for s in (upcoming.seats if upcoming else ()) if s.initiative_id}
    ids = list(now_at) + [i for i in next_at if i not in now_at]
    later_ids = {s.initiative_id for r in later for s in r.seats}
    return tuple(Move(i, now_at.get(i), next_at[i].table if i in next_at else None,
                      next_at[i].colour if i in next_at else None, i not in next_at and i in later_ids)
                 for i in ids)
