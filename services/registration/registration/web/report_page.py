"""The organiser's report page: the series at a glance in the seed's words, its charts, the evenings, the
collaborations between initiatives (and a form to record one), CSV downloads; printable on A4.

The figures come from ``registration.reports`` (read models kept from events); this module only chooses the
evenings, words the figures in Dutch or English and draws them. Counts only: no name of a resident anywhere.
"""
import datetime as dt
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from markupsafe import Markup

from .. import config
from ..domain.errors import DomainError
from . import charts, i18n, security
from .runtime import correlation_id, store

bp = Blueprint("report", __name__)

MEETING_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_DESCRIPTION = 200


# --- the figures (registration.reports) -----------------------------------------------------------------
# STAND-IN until registration/reports.py lands: the shapes of DESIGN §4, all counts zero.

def _series(selection: "Selection") -> dict:
    ids = selection.meeting_ids or [m["_id"] for m in store().meetings(limit=500) if selection.covers(m)]
    return {"meetings": ids, "evenings": len(ids), "attended": 0, "unique_residents": 0, "returning_residents": 0,
            "walk_ins": 0, "by_area": {}, "new_encounters": 0, "volunteers_matched": 0,
            "initiative_pairs_accepted": 0, "collaborations": 0}


def _meeting(meeting_id: str) -> dict | None:
    m = store().meeting(meeting_id)
    if m is None:
        return None
    return {"meeting_id": meeting_id, "title": m["title"], "starts_at": m["starts_at"], "area": m.get("area"),
            "signed_up": 0, "waitlisted": 0, "cancelled": 0, "attended": 0, "walk_ins": 0, "no_shows": 0,
            "tables": 0, "new_encounters": 0, "initiatives": [], "initiative_pairs": {"proposed": 0, "accepted": 0},
            "messages": {"sent": 0, "failed": 0, "suppressed": 0, "by_channel": {"email": 0, "sms": 0}}}


def _collaborations(selection: "Selection") -> list[dict]:
    return []


def _record_collaboration(initiative_ids: list[str], on: dt.date, description: str):
    raise DomainError("Collaborations are not stored yet.")


def _series_csv(report: dict) -> str:
    return ",".join(k for k in report if k != "meetings") + "\n"


def _meeting_csv(report: dict) -> str:
    return "meeting_id,title\n"


# --- which evenings ---------------------------------------------------------------------------------------

@dataclass
class Selection:
    """The evenings chosen by checkbox, or a period and an area; ``errors`` per field, in the page's language."""
    meeting_ids: list[str] = field(default_factory=list)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    area: str = ""
    errors: dict = field(default_factory=dict)

    @property
    def chosen(self) -> bool:
        return not self.errors and bool(self.meeting_ids or self.date_from or self.date_to or self.area)

    def covers(self, meeting: dict) -> bool:
        day = _local_date(meeting["starts_at"])
        return ((not self.date_from or day >= self.date_from) and (not self.date_to or day <= self.date_to)
                and (not self.area or meeting.get("area") == self.area))

    def query(self) -> dict:
        """What the report's links carry, so a CSV is of the same evenings as the page."""
        q = {}
        if self.meeting_ids:
            q["meeting_ids"] = ",".join(self.meeting_ids)
        if self.date_from:
            q["from"] = self.date_from.isoformat()
        if self.date_to:
            q["to"] = self.date_to.isoformat()
        if self.area:
            q["area"] = self.area
        return q


def _local_date(value: dt.datetime) -> dt.date:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(ZoneInfo(config.timezone())).date()


def _date(text: str, name: str, errors: dict, lang: str) -> dt.date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        if not DATE.match(text):
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        errors[name] = [i18n.t("report_bad_date", lang)]
        return None


def parse_selection(args, lang: str) -> Selection:
    ids = []
    for value in args.getlist("meeting_ids"):
        ids += [v.strip() for v in value.split(",") if MEETING_ID.match(v.strip())]
    errors: dict = {}
    selection = Selection(meeting_ids=list(dict.fromkeys(ids))[:500],
                          date_from=_date(args.get("from", ""), "from", errors, lang),
                          date_to=_date(args.get("to", ""), "to", errors, lang),
                          area=args.get("area", "").strip()[:80], errors=errors)
    if selection.date_from and selection.date_to and selection.date_to < selection.date_from:
        errors["to"] = [i18n.t("report_to_before_from", lang)]
    return selection


# --- the words --------------------------------------------------------------------------------------------

def _count(value) -> int:
    return value if isinstance(value, int) else 0


def headline(series: dict, lang: str) -> str:
    """The seed's sentence: "62 buurtbewoners namen deel aan 3 avonden"."""
    residents, evenings = series["unique_residents"], series["evenings"]
    if lang == "en":
        return (f"{residents} resident{'' if residents == 1 else 's'} took part in "
                f"{evenings} evening{'' if evenings == 1 else 's'}")
    return (f"{residents} buurtbewoner{'' if residents == 1 else 's'} {'nam' if residents == 1 else 'namen'} "
            f"deel aan {evenings} avond{'' if evenings == 1 else 'en'}")


def evening_label(report: dict, lang: str) -> str:
    return f"{report['title']} · {format_date(_local_date(report['starts_at']), 'd MMM y', locale=lang)}"


def funnel(evenings: list[dict]) -> list[dict]:
    """Per initiative over the chosen evenings: residents met at the table, interested, suggested, accepted."""
    totals: dict[str, dict] = {}
    for report in evenings:
        for ini in report.get("initiatives", []):
            row = totals.setdefault(ini["initiative_id"], {"name": ini.get("name") or ini["initiative_id"],
                                                           "met": 0, "interested": 0, "suggested": 0,
                                                           "accepted": 0})
            row["met"] += _count(ini.get("residents_met", ini.get("groups_met", 0)))
            for key in ("interested", "suggested", "accepted"):
                row[key] += _count(ini.get(key, 0))
    return sorted(totals.values(), key=lambda r: (-r["met"], r["name"].lower()))


def _repeats(report: dict) -> int | str:
    return report.get("repeat_encounters", report.get("repeats", 0))


def report_charts(series: dict, evenings: list[dict], lang: str) -> list[Markup]:
    t = lambda key: i18n.t(key, lang)  # noqa: E731
    empty = t("report_no_figures")
    attendance = charts.grouped_bar_chart("chart-attendance", t("report_chart_attendance"), [
        charts.Group(evening_label(e, lang), (charts.Row(t("report_signed_up"), e["signed_up"]),
                                              charts.Row(t("report_attended"), e["attended"]),
                                              charts.Row(t("report_walk_ins"), e["walk_ins"])))
        for e in evenings], empty)
    areas = charts.bar_chart("chart-areas", t("report_chart_areas"), [
        charts.Row(area or t("report_area_unknown"), n)
        for area, n in sorted(series.get("by_area", {}).items(), key=lambda kv: (-_count(kv[1]), kv[0]))], empty)
    stages = (("met", "report_stage_met"), ("interested", "report_stage_interested"),
              ("suggested", "report_stage_suggested"), ("accepted", "report_stage_accepted"))
    funnels = charts.grouped_bar_chart("chart-funnel", t("report_chart_funnel"), [
        charts.Group(row["name"], tuple(charts.Row(t(label), row[key]) for key, label in stages))
        for row in funnel(evenings)], empty)
    encounters = charts.grouped_bar_chart("chart-encounters", t("report_chart_encounters"), [
        charts.Group(evening_label(e, lang), (charts.Row(t("report_new_encounters"), e["new_encounters"]),
                                              charts.Row(t("report_repeat_encounters"), _repeats(e))))
        for e in evenings], empty)
    return [Markup(svg) for svg in (attendance, areas, funnels, encounters)]


# --- the pages --------------------------------------------------------------------------------------------

def _initiative_names() -> dict[str, str]:
    return {i["_id"]: i["name"] for i in store().initiatives(approved_only=True)}


def _page(selection: Selection, form_errors: dict | None = None, form=None, status: int = 200):
    lang = i18n.current_lang()
    meetings = sorted(store().meetings(limit=500), key=lambda m: m["starts_at"], reverse=True)  # latest first
    names = _initiative_names()
    context = dict(selection=selection, meetings=meetings, query=selection.query(),
                   areas=sorted({m.get("area") for m in meetings if m.get("area")}),
                   initiatives=sorted(names.items(), key=lambda kv: kv[1].lower()),
                   form=form or {}, form_errors=form_errors or {}, series=None, evenings=[], charts=[],
                   today=_local_date(dt.datetime.now(dt.timezone.utc)).isoformat(),
                   short_date=lambda d: format_date(_local_date(d), "d MMM y", locale=lang),
                   evening_label=lambda e: evening_label(e, lang))
    if selection.chosen:
        series = _series(selection)
        evenings = [r for r in (_meeting(i) for i in series["meetings"]) if r]
        context.update(series=series, evenings=evenings, headline=headline(series, lang),
                       charts=report_charts(series, evenings, lang))
    collaborations = _collaborations(selection)
    for c in collaborations:
        c["names"] = [names.get(i) or i for i in c["initiative_ids"]]
    context["collaborations"] = collaborations
    return render_template("report.html", **context), status


@bp.get("/organisator/rapport")
@security.organiser_required
def report():
    selection = parse_selection(request.args, i18n.current_lang())
    return _page(selection, status=400 if selection.errors else 200)


def _csv(text: str, filename: str) -> Response:
    response = Response(text, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/organisator/rapport/reeks.csv")
@security.organiser_required
def series_csv():
    selection = parse_selection(request.args, i18n.current_lang())
    if not selection.chosen:
        abort(400)
    return _csv(_series_csv(_series(selection)), "wijkkracht-reeks.csv")


@bp.get("/organisator/rapport/avond/<meeting_id>.csv")
@security.organiser_required
def meeting_csv(meeting_id):
    report_ = _meeting(meeting_id) if MEETING_ID.match(meeting_id) else None
    if report_ is None:
        abort(404)
    return _csv(_meeting_csv(report_), f"wijkkracht-avond-{meeting_id}.csv")


def _collaboration_form(form, names: dict, lang: str) -> tuple[dict, dict]:
    """The form's values checked: two different approved initiatives, a date, a short description."""
    errors: dict = {}
    values = {k: form.get(k, "").strip() for k in ("initiative_a", "initiative_b", "date", "description")}
    for name in ("initiative_a", "initiative_b"):
        if not values[name]:
            errors[name] = [i18n.t("report_pick_initiative", lang)]
        elif values[name] not in names:
            errors[name] = [i18n.t("report_unknown_initiative", lang)]
    if "initiative_b" not in errors and values["initiative_a"] and values["initiative_a"] == values["initiative_b"]:
        errors["initiative_b"] = [i18n.t("report_same_initiative", lang)]
    if not values["date"]:
        errors["date"] = [i18n.t("report_missing_date", lang)]
    else:
        _date(values["date"], "date", errors, lang)
    if not values["description"]:
        errors["description"] = [i18n.t("report_missing_description", lang)]
    elif len(values["description"]) > MAX_DESCRIPTION:
        errors["description"] = [i18n.t("report_long_description", lang)]
    return values, errors


@bp.post("/organisator/rapport/samenwerking")
@security.organiser_required
def record_collaboration():
    lang = i18n.current_lang()
    selection = parse_selection(request.form, lang)
    values, errors = _collaboration_form(request.form, _initiative_names(), lang)
    if not errors:
        try:
            _record_collaboration([values["initiative_a"], values["initiative_b"]],
                                  dt.date.fromisoformat(values["date"]), values["description"])
        except DomainError as exc:
            errors = {k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in (exc.fields or {}).items()}
            errors.setdefault("form", [exc.message])
    if errors:
        return _page(selection, form_errors=errors, form=values, status=400)
    flash(i18n.t("report_collaboration_saved", lang))
    query = {**selection.query(), **({"lang": lang} if lang != "nl" else {})}
    return redirect(url_for("report.report") + ("?" + urlencode(query) if query else "") + "#samenwerkingen",
                    code=303)
