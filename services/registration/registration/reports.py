"""The report an organiser hands to the city (DESIGN §4 "Reports"): one evening, a series of evenings, and the
collaborations between initiatives. The API (``web.reports_api``) and the console's report page call these.

Figures come from the read model ``report_events`` keeps from events; they settle within seconds of what
happened. A series is chosen by evening ids, or by a period (local dates, both ends included) and an area.
"""
import concurrent.futures
import datetime as dt
import threading
import uuid
from zoneinfo import ZoneInfo

from . import config
from .adapters.reports_store import ReportStore, bucket_of
from .domain import report as figures
from .domain.errors import Invalid, NotFound

MAX_MEETINGS = 500
MAX_PERIOD_MONTHS = 60
MONTHS_ONE_BY_ONE = 4
FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_DESCRIPTION = 500
READERS = 6


def _local_date(value: dt.datetime) -> dt.date:
    value = value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(ZoneInfo(config.timezone())).date()


def _names(db, initiative_ids) -> dict[str, str]:
    found = {}
    for initiative_id in set(initiative_ids):
        doc = db.initiatives.find_one({"_id": initiative_id}, {"name": 1})
        if doc:
            found[initiative_id] = doc["name"]
    return found


# --- one evening ------------------------------------------------------------------------------------------

def meeting_report(db, meeting_id: str) -> dict | None:
    """The figures of one evening, or None if there is no such evening."""
    reports = ReportStore(db)
    evening = reports.evening(meeting_id) or {}
    header = evening if evening.get("starts_at") else db.meetings.find_one(
        {"_id": meeting_id}, {"title": 1, "starts_at": 1, "area": 1, "initiative_ids": 1})
    if not header:
        return None
    evening.setdefault("initiative_ids", header.get("initiative_ids") or [])
    suggestions = reports.suggestions(meeting_id)
    involved = set(evening["initiative_ids"]) | set(evening.get("groups_met") or {}) | {
        s["initiative_id"] for r in suggestions for s in r.get("suggestions") or []} | {
        i for chosen in (evening.get("interests") or {}).values() for i in chosen} | {
        key.split(":")[1] for key in evening.get("answers") or {} if key.count(":") == 2} | set(
        figures.followed_up(evening))
    return figures.meeting_figures(
        {"meeting_id": meeting_id, "title": header.get("title"), "starts_at": header.get("starts_at"),
         "area": header.get("area")},
        evening, reports.digest(meeting_id) or {}, reports.registrations(meeting_id), suggestions,
        reports.count_pairs(meeting_id), reports.deliveries(meeting_id), _names(db, involved))


# --- a series ---------------------------------------------------------------------------------------------

def _months(first: dt.date, last: dt.date) -> list[str]:
    months, (year, month) = [], (first.year, first.month)
    while (year, month) <= (last.year, last.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def parse_selection(meeting_ids: str | None = None, date_from: str | None = None, date_to: str | None = None,
                    area: str | None = None) -> dict:
    """The query string's choice of evenings, checked: 422 naming the field otherwise."""
    errors: dict[str, list[str]] = {}
    ids = [i.strip() for i in (meeting_ids or "").split(",") if i.strip()]
    if len(ids) > MAX_MEETINGS:
        errors["meeting_ids"] = [f"At most {MAX_MEETINGS} evenings."]
    dates = {}
    for name, text in (("from", date_from), ("to", date_to)):
        if text:
            try:
                dates[name] = dt.date.fromisoformat(text.strip())
            except ValueError:
                errors[name] = ["Not a date; give it as YYYY-MM-DD."]
                continue
            if not FIRST_YEAR <= dates[name].year <= LAST_YEAR:
                errors[name] = [f"Give a date between {FIRST_YEAR} and {LAST_YEAR}."]
    if not errors and not ids and not dates and not (area or "").strip():
        errors["meeting_ids"] = ["Give meeting_ids, or a period (from, to) and/or an area."]
    if "from" in dates and "to" in dates and dates["to"] < dates["from"]:
        errors["to"] = ["Comes before from."]
    if errors:
        raise Invalid("Some fields are invalid.", errors)
    return {"meeting_ids": list(dict.fromkeys(ids)), "from": dates.get("from"), "to": dates.get("to"),
            "area": (area or "").strip() or None}


_READERS: list = []  # the pool reading a series' digests side by side (made on first use, in this process)
_READERS_LOCK = threading.Lock()


def _in_parallel(fetch, keys: list) -> list:
    """``fetch`` of every key, a few at a time: a series' buckets (or the evenings read by id) are read side
    by side, so their round trips overlap rather than add up."""
    if len(keys) < 2:
        return [fetch(k) for k in keys]
    return list(_pool().map(fetch, keys))


def _pool() -> concurrent.futures.ThreadPoolExecutor:
    with _READERS_LOCK:
        if not _READERS:
            _READERS.append(concurrent.futures.ThreadPoolExecutor(READERS, thread_name_prefix="report-read"))
    return _READERS[0]


def _digests(reports: ReportStore, selection: dict) -> list[dict]:
    if selection["meeting_ids"]:
        return [d for d in _chosen_digests(reports, selection["meeting_ids"]) if _chosen(d, selection)]
    today = _local_date(dt.datetime.now(dt.timezone.utc))
    first = selection["from"] or (selection["to"] or today) - dt.timedelta(days=366 * 2)
    last = selection["to"] or max(first, today) + dt.timedelta(days=366)
    months = _months(first - dt.timedelta(days=1), last + dt.timedelta(days=1))  # a local date's UTC month
    if len(months) > MAX_PERIOD_MONTHS:
        raise Invalid("The period is too long.", {"from": [f"At most {MAX_PERIOD_MONTHS // 12} years at once."]})
    # A few months month by month; a longer period year by year: each one indexed read, side by side.
    years = sorted({m[:4] for m in months})
    if len(months) <= MONTHS_ONE_BY_ONE:
        found = _in_parallel(lambda month: reports.digests_of("month", month, selection["area"]), months)
    elif selection["area"]:  # an area's evenings of each year: one indexed read a year
        found = _in_parallel(reports.digests_in, [bucket_of(y, selection["area"]) for y in years])
    else:
        found = _in_parallel(lambda year: reports.digests_of("year", year), years)
    return [d for digests in found for d in digests if _chosen(d, selection)]


def _chosen_digests(reports: ReportStore, meeting_ids: list[str]) -> list[dict]:
    """The digests of chosen evenings: the directory says in which buckets they are, each bucket is one read;
    an evening the directory does not know (or no longer where it says) is read by its id."""
    wanted = set(meeting_ids)
    listed = reports.buckets()
    buckets = sorted({listed[m] for m in meeting_ids if m in listed})
    found = {d["_id"]: d for digests in _in_parallel(reports.digests_in, buckets) for d in digests
             if d["_id"] in wanted}
    rest = [m for m in meeting_ids if m not in found]
    found.update((d["_id"], d) for d in _in_parallel(reports.digest, rest) if d)
    return [found[m] for m in meeting_ids if m in found]


def _chosen(digest: dict, selection: dict) -> bool:
    if not digest.get("starts_at"):
        return False
    day = _local_date(digest["starts_at"])
    return ((selection["from"] is None or day >= selection["from"]) and (selection["to"] is None or day <= selection["to"])
            and (selection["area"] is None or digest.get("area") == selection["area"]))


def series_report(db, selection: dict) -> dict:
    """The figures of a series (``parse_selection``'s choice), with its collaborations listed."""
    reports = ReportStore(db)
    recorded = _pool().submit(reports.collaborations)  # read beside the digests
    digests = _digests(reports, selection)
    for d in digests:
        d["meeting_id"] = d["_id"]
    mine = figures.collaborations_of([_collaboration_view(c) for c in recorded.result()], digests)
    names = _names(db, {i for c in mine for i in c["initiative_ids"]})
    for c in mine:
        c["names"] = [names.get(i, "") for i in c["initiative_ids"]]
    report = figures.series_figures(digests, mine)
    report["collaboration_list"] = mine
    return report


# --- collaborations ---------------------------------------------------------------------------------------

def _collaboration_view(doc: dict) -> dict:
    return {"id": doc["_id"], "initiative_ids": doc["initiative_ids"], "date": doc["date"],
            "description": doc["description"], "meeting_id": doc.get("meeting_id"),
            "recorded_at": doc.get("recorded_at")}


def record_collaboration(db, initiative_ids: list[str], on: dt.date, description: str,
                         meeting_id: str | None = None, recorded_by: str | None = None) -> dict:
    """Two initiatives did something together (a pair matching proposed, or any two approved ones)."""
    errors: dict[str, list[str]] = {}
    ids = list(dict.fromkeys(i for i in initiative_ids or [] if i))
    if len(ids) != 2:
        errors["initiative_ids"] = ["Give two different initiatives."]
    else:
        for initiative_id in ids:
            found = db.initiatives.find_one({"_id": initiative_id}, {"status": 1})
            if found is None or found.get("status") == "pending":
                errors["initiative_ids"] = [f"Unknown or not approved: {initiative_id}."]
    description = (description or "").strip()
    if not description:
        errors["description"] = ["Say in a few words what they did."]
    elif len(description) > MAX_DESCRIPTION:
        errors["description"] = [f"At most {MAX_DESCRIPTION} characters."]
    if meeting_id and db.meetings.find_one({"_id": meeting_id}, {"_id": 1}) is None:
        errors["meeting_id"] = ["No evening with this id."]
    if errors:
        raise Invalid("Some fields are invalid.", errors)
    doc = {"_id": uuid.uuid4().hex, "initiative_ids": sorted(ids), "date": on.isoformat(),
           "description": description, "meeting_id": meeting_id, "recorded_at": dt.datetime.now(dt.timezone.utc),
           "recorded_by": recorded_by}
    ReportStore(db).insert_collaboration(doc)
    return _collaboration_view(doc)


def collaborations(db, initiative_id: str | None = None, selection: dict | None = None) -> list[dict]:
    """Collaborations, oldest first: of one initiative, or those a series claims (``selection``), or all."""
    reports = ReportStore(db)
    found = [_collaboration_view(c) for c in reports.collaborations(initiative_id)]
    if selection is not None:
        found = figures.collaborations_of(found, [{**d, "meeting_id": d["_id"]} for d in _digests(reports, selection)])
    names = _names(db, {i for c in found for i in c["initiative_ids"]})
    for c in found:
        c["names"] = [names.get(i, "") for i in c["initiative_ids"]]
    return sorted(found, key=lambda c: (c["date"], c["id"]))


def get_meeting_report(db, meeting_id: str) -> dict:
    report = meeting_report(db, meeting_id)
    if report is None:
        raise NotFound("No evening with this id.")
    return report
