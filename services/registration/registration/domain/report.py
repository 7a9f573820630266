"""The report's figures (DESIGN §4 "Reports"), from the read model the report's events keep: plain dicts in,
counts out. Counts only: no name, no contact detail, no postcode; areas with fewer than ``SMALL_CELL`` residents
are shown as ``"< 5"``.

An evening's read model (``evening``) holds, per person id: ``attended`` ({walk_in, area}), ``tables`` (the
table number matching gave), ``interests`` (initiative ids), and ``answers`` ("person:initiative:role" →
accepted | declined); ``groups_met`` per initiative (from the timetable) and ``pairs_accepted`` ("a:b" → true);
``ideas`` (idea id → its themes) and ``followups`` ("person:initiative:role" → contacted | started | not_a_fit,
the initiative's latest word).
"""
import csv
import datetime as dt
import io
from collections import Counter, defaultdict
from itertools import combinations

SMALL_CELL = 5
SMALL = "< 5"
ACCEPTED, DECLINED = "accepted", "declined"
SENT, FAILED, SUPPRESSED = "sent", "failed", "suppressed"
CHANNELS = ("email", "sms")
OUTCOMES = ("contacted", "started", "not_a_fit")
STARTED = "started"


def small_cells(counts: dict[str, int]) -> dict[str, int | str]:
    """Counts of residents per cell, those under ``SMALL_CELL`` (but not zero) shown as ``"< 5"``."""
    return {key: (SMALL if 0 < n < SMALL_CELL else n) for key, n in sorted(counts.items())}


# --- encounters -------------------------------------------------------------------------------------------

def encounters(tables: dict[str, int], seats: dict[str, dict[str, int]], earlier: set[str]) -> tuple[int, int]:
    """(new, repeats): pairs of residents at one table this evening (``tables``: person → table) who never
    shared a table at an ``earlier`` evening (``seats``: person → {evening → table}), and those who did."""
    at_table: dict[int, list[str]] = defaultdict(list)
    for person, table in tables.items():
        at_table[table].append(person)
    new = repeats = 0
    for members in at_table.values():
        for a, b in combinations(sorted(members), 2):
            mine, theirs = seats.get(a) or {}, seats.get(b) or {}
            if any(m in earlier and m in theirs and mine[m] == theirs[m] for m in mine):
                repeats += 1
            else:
                new += 1
    return new, repeats


def _answers(evening: dict, answer: str) -> list[str]:
    return [key for key, value in (evening.get("answers") or {}).items() if value == answer]


def _keyed_initiative(key: str) -> str | None:
    """The initiative of a "person:initiative:role" key."""
    parts = key.split(":")
    return parts[1] if len(parts) == 3 else None


def followed_up(evening: dict) -> dict[str, dict[str, int]]:
    """Per initiative: its residents by the latest outcome it gave (contacted, started, not a fit)."""
    counts: dict[str, dict[str, int]] = {}
    for key, outcome in (evening.get("followups") or {}).items():
        initiative_id = _keyed_initiative(key)
        if initiative_id and outcome in OUTCOMES:
            counts.setdefault(initiative_id, dict.fromkeys(OUTCOMES, 0))[outcome] += 1
    return counts


def ideas_by_theme(evening: dict) -> dict[str, int]:
    """Ideas per theme (an idea on two themes counts for both)."""
    return dict(sorted(Counter(t for themes in (evening.get("ideas") or {}).values() for t in set(themes)).items()))


def digest(evening: dict, seats: dict[str, dict[str, int]], earlier: set[str]) -> dict:
    """What a series needs of one evening, small enough to read a hundred of in one report: its residents by
    area of residence (person ids, so a series counts each once), and its counts."""
    attended = evening.get("attended") or {}
    residents: dict[str, list[str]] = defaultdict(list)
    for person, seen in sorted(attended.items()):
        residents[seen.get("area") or "unknown"].append(person)
    tables = {p: t for p, t in (evening.get("tables") or {}).items() if p in attended}
    new, repeats = encounters(tables, seats, earlier)
    return {"residents": dict(residents), "attended": len(attended),
            "walk_ins": sum(1 for seen in attended.values() if seen.get("walk_in")),
            "tables": len(set(tables.values())), "new_encounters": new, "repeats": repeats,
            "volunteers_matched": len(_answers(evening, ACCEPTED)),
            "initiative_pairs_accepted": len(evening.get("pairs_accepted") or {}),
            "ideas": len(evening.get("ideas") or {}),
            "volunteers_started": sum(said[STARTED] for said in followed_up(evening).values())}


# --- one evening ------------------------------------------------------------------------------------------

def registration_counts(registrations: list[dict], attended: dict) -> dict:
    """signed_up (before the evening; walk-ins are counted as such), waitlisted (still), cancelled, no_shows
    (a place, not cancelled, not checked in)."""
    ahead = [r for r in registrations if not r.get("walk_in")]
    placed = [r for r in ahead if not r.get("cancelled") and (r.get("status") == "confirmed" or r.get("promoted"))]
    return {"signed_up": len(ahead),
            "waitlisted": sum(1 for r in ahead if r.get("status") == "waitlisted" and not r.get("promoted")
                              and not r.get("cancelled")),
            "cancelled": sum(1 for r in ahead if r.get("cancelled")),
            "no_shows": sum(1 for r in placed if r.get("person_id") not in attended)}


def initiative_rows(evening: dict, suggestions: list[dict], names: dict[str, str]) -> list[dict]:
    """Per initiative: the groups it met at the tables, residents interested in it, suggested to it, the
    suggestions accepted and declined, and what became of those residents (``followed_up``, in its words)."""
    interested: Counter = Counter()
    for chosen in (evening.get("interests") or {}).values():
        interested.update(set(chosen))
    suggested: Counter = Counter()
    for resident in suggestions:
        suggested.update({s["initiative_id"] for s in resident.get("suggestions") or []})
    answered = {answer: Counter(key.split(":")[1] for key in _answers(evening, answer) if key.count(":") == 2)
                for answer in (ACCEPTED, DECLINED)}
    groups_met = evening.get("groups_met") or {}
    outcomes = followed_up(evening)
    presenting = list(evening.get("initiative_ids") or [])
    others = (set(groups_met) | set(interested) | set(suggested) | set(answered[ACCEPTED]) | set(answered[DECLINED])
              | set(outcomes))
    ids = presenting + sorted(others - set(presenting), key=lambda i: (names.get(i) or i).lower())
    return [{"initiative_id": i, "name": names.get(i) or "", "groups_met": groups_met.get(i, 0),
             "interested": interested[i], "suggested": suggested[i], "accepted": answered[ACCEPTED][i],
             "declined": answered[DECLINED][i], "followed_up": outcomes.get(i) or dict.fromkeys(OUTCOMES, 0)}
            for i in ids]


def message_counts(deliveries: list[dict]) -> dict:
    """Messages about the evening by what became of them; those still waiting are not counted."""
    totals = Counter(d.get("status") for d in deliveries)
    by_channel = {c: {s: 0 for s in (SENT, FAILED, SUPPRESSED)} for c in CHANNELS}
    for d in deliveries:
        if d.get("channel") in by_channel and d.get("status") in (SENT, FAILED, SUPPRESSED):
            by_channel[d["channel"]][d["status"]] += 1
    return {"sent": totals[SENT], "failed": totals[FAILED], "suppressed": totals[SUPPRESSED],
            "by_channel": by_channel}


def meeting_figures(header: dict, evening: dict, settled: dict, registrations: list[dict],
                    suggestions: list[dict], pairs_proposed: int, deliveries: list[dict],
                    names: dict[str, str]) -> dict:
    """The report of one evening, in DESIGN §4's fields (``repeats`` beside ``new_encounters``)."""
    attended = evening.get("attended") or {}
    tables = {p: t for p, t in (evening.get("tables") or {}).items() if p in attended}
    return {"meeting_id": header["meeting_id"], "title": header.get("title") or "",
            "starts_at": header.get("starts_at"), "area": header.get("area") or "",
            **registration_counts(registrations, attended),
            "attended": len(attended),
            "walk_ins": sum(1 for seen in attended.values() if seen.get("walk_in")),
            "tables": len(set(tables.values())),
            "new_encounters": settled.get("new_encounters", 0), "repeats": settled.get("repeats", 0),
            "initiatives": initiative_rows(evening, suggestions, names),
            "initiative_pairs": {"proposed": pairs_proposed, "accepted": len(evening.get("pairs_accepted") or {})},
            "ideas": len(evening.get("ideas") or {}), "ideas_by_theme": ideas_by_theme(evening),
            "messages": message_counts(deliveries)}


# --- a series ---------------------------------------------------------------------------------------------

def _day(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10]) if value else None


def collaborations_of(collaborations: list[dict], digests: list[dict]) -> list[dict]:
    """The collaborations a series can claim: recorded against one of its evenings, or between two initiatives
    that both presented in it, on or after its first evening; oldest first."""
    if not digests:
        return []
    meetings = {d["meeting_id"] for d in digests}
    presented = {i for d in digests for i in d.get("initiative_ids") or []}
    first = min(_day(d.get("local_date") or d.get("starts_at")) for d in digests)
    mine = [c for c in collaborations
            if c.get("meeting_id") in meetings
            or (set(c["initiative_ids"]) <= presented and _day(c["date"]) >= first)]
    return sorted(mine, key=lambda c: (str(c["date"]), c.get("id") or ""))


def series_figures(digests: list[dict], collaborations: list[dict]) -> dict:
    """A series of evenings (``digests``, any order) in DESIGN §4's fields. A resident counts once however
    often they came, in the area of residence they gave last; returning residents came to two or more of
    these evenings."""
    ordered = sorted(digests, key=lambda d: (str(d.get("starts_at")), d["meeting_id"]))
    area_of: dict[str, str] = {}
    times: Counter = Counter()
    for d in ordered:
        for area, people in (d.get("residents") or {}).items():
            for person in people:
                area_of[person] = area
                times[person] += 1
    total = lambda name: sum(d.get(name, 0) for d in ordered)  # noqa: E731
    return {"meetings": [d["meeting_id"] for d in ordered], "evenings": len(ordered), "attended": total("attended"),
            "unique_residents": len(area_of), "returning_residents": sum(1 for n in times.values() if n >= 2),
            "walk_ins": total("walk_ins"), "by_area": small_cells(Counter(area_of.values())),
            "new_encounters": total("new_encounters"), "repeats": total("repeats"),
            "volunteers_matched": total("volunteers_matched"), "volunteers_started": total("volunteers_started"),
            "initiative_pairs_accepted": total("initiative_pairs_accepted"),
            "collaborations": len(collaborations), "ideas": total("ideas")}


# --- CSV --------------------------------------------------------------------------------------------------

def _cell(value) -> str:
    """A spreadsheet must not take a name for a formula (CSV injection): such text starts with a quote."""
    text = value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv(rows: list[tuple]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(("figure", "detail", "value"))
    writer.writerows(tuple(_cell(v) for v in row) for row in rows)
    return out.getvalue()


MEETING_FIGURES = ("signed_up", "waitlisted", "cancelled", "attended", "walk_ins", "no_shows", "tables",
                   "new_encounters", "repeats", "ideas")
SERIES_FIGURES = ("evenings", "attended", "unique_residents", "returning_residents", "walk_ins", "new_encounters",
                  "repeats", "volunteers_matched", "volunteers_started", "initiative_pairs_accepted", "collaborations",
                  "ideas")


def meeting_csv(report: dict) -> str:
    """One evening as rows of (figure, detail, value): the evening's figures, its ideas per theme, then per
    initiative (with what became of its volunteers) and per channel."""
    rows = [("meeting_id", "", report["meeting_id"]), ("title", "", report["title"]),
            ("starts_at", "", report["starts_at"] or ""), ("area", "", report["area"])]
    rows += [(name, "", report.get(name, 0)) for name in MEETING_FIGURES]
    rows += [("ideas_by_theme", theme, n) for theme, n in (report.get("ideas_by_theme") or {}).items()]
    for row in report["initiatives"]:
        rows += [(f"initiative_{name}", row["name"] or row["initiative_id"], row[name])
                 for name in ("groups_met", "interested", "suggested", "accepted", "declined")]
        rows += [(f"initiative_followed_up_{outcome}", row["name"] or row["initiative_id"],
                  (row.get("followed_up") or {}).get(outcome, 0)) for outcome in OUTCOMES]
    rows += [(f"initiative_pairs_{name}", "", report["initiative_pairs"][name]) for name in ("proposed", "accepted")]
    rows += [(f"messages_{name}", "", report["messages"][name]) for name in (SENT, FAILED, SUPPRESSED)]
    rows += [(f"messages_{name}", channel, counts[name]) for channel, counts in report["messages"]["by_channel"].items()
             for name in (SENT, FAILED, SUPPRESSED)]
    return _csv(rows)


def series_csv(report: dict) -> str:
    """A series as rows of (figure, detail, value): its figures, residents per area ("< 5" for a small cell),
    the evenings and the collaborations."""
    rows = [(name, "", report.get(name, 0)) for name in SERIES_FIGURES]
    rows += [("residents_by_area", area, n) for area, n in report["by_area"].items()]
    rows += [("meeting", "", m) for m in report["meetings"]]
    rows += [("collaboration", f"{c['date']} {' + '.join(c.get('names') or c['initiative_ids'])}",
              c.get("description") or "") for c in report.get("collaboration_list") or []]
    return _csv(rows)
