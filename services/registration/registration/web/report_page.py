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

from .. import config, reports
from ..domain import report as figures
from ..domain.errors import DomainError, Invalid
from . import charts, i18n, security
from .runtime import store

bp = Blueprint("report", __name__)

MEETING_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_DESCRIPTION = 200
RECENT_COLLABORATIONS = 50  # listed when no evenings are chosen
MAX_DRAWN_EVENINGS = 12  # evenings with their own bars and row; the series' figures count every one
MAX_DRAWN_INITIATIVES = 8  # the funnel's initiatives, those that met most groups first (each evening's CSV has all)


# --- the figures (registration.reports) -----------------------------------------------------------------

def _chosen(selection: "Selection") -> dict:
    """The page's choice in the terms of ``reports.parse_selection`` (the page has checked it already)."""
    return reports.parse_selection(",".join(selection.meeting_ids) or None,
                                   selection.date_from.isoformat() if selection.date_from else None,
                                   selection.date_to.isoformat() if selection.date_to else None,
                                   selection.area or None)


def _series(selection: "Selection") -> dict:
    return reports.series_report(store().db, _chosen(selection))


def _meeting(meeting_id: str) -> dict | None:
    return reports.meeting_report(store().db, meeting_id)


def _collaborations(selection: "Selection") -> list[dict]:
    return reports.collaborations(store().db, selection=_chosen(selection) if selection.chosen else None)


def _record_collaboration(initiative_ids: list[str], on: dt.date, description: str, meeting_id: str | None):
    reports.record_collaboration(store().db, initiative_ids, on, description, meeting_id=meeting_id,
                                 recorded_by="organiser")


_series_csv, _meeting_csv = figures.series_csv, figures.meeting_csv


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


MET = "groups_met"  # the funnel's first stage: the table groups an initiative presented to


def funnel(evenings: list[dict]) -> list[dict]:
    """Per initiative over the chosen evenings: groups met at the tables, residents interested, suggested,
    accepted."""
    totals: dict[str, dict] = {}
    for report in evenings:
        for ini in report.get("initiatives", []):
            row = totals.setdefault(ini["initiative_id"], {"name": ini.get("name") or ini["initiative_id"],
                                                           "met": 0, "interested": 0, "suggested": 0,
                                                           "accepted": 0})
            row["met"] += _count(ini.get(MET, 0))
            for key in ("interested", "suggested", "accepted"):
                row[key] += _count(ini.get(key, 0))
    return sorted(totals.values(), key=lambda r: (-r["met"], -r["interested"], -r["accepted"], -r["suggested"],
                                                  r["name"].lower()))


def ideas_by_theme(evenings: list[dict]) -> list[tuple[str, int]]:
    """Ideas per theme over the chosen evenings, most first."""
    totals: dict[str, int] = {}
    for report in evenings:
        for theme, n in (report.get("ideas_by_theme") or {}).items():
            totals[theme] = totals.get(theme, 0) + _count(n)
    return sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))


def followed_up(evenings: list[dict]) -> list[dict]:
    """Per initiative over the chosen evenings: residents who accepted, and what the initiative says became of
    them (only initiatives with any)."""
    totals: dict[str, dict] = {}
    for report in evenings:
        for ini in report.get("initiatives", []):
            said = ini.get("followed_up") or {}
            if not ini.get("accepted") and not any(said.values()):
                continue
            row = totals.setdefault(ini["initiative_id"], {"name": ini.get("name") or ini["initiative_id"],
                                                           "accepted": 0, **dict.fromkeys(figures.OUTCOMES, 0)})
            row["accepted"] += _count(ini.get("accepted", 0))
            for outcome in figures.OUTCOMES:
                row[outcome] += _count(said.get(outcome, 0))
    return sorted(totals.values(), key=lambda r: (-r["started"], -r["accepted"], r["name"].lower()))


def _repeats(report: dict) -> int | str:
    return report.get("repeats", 0)


def report_charts(series: dict, evenings: list[dict], lang: str) -> list[Markup]:
    t = lambda key: i18n.t(key, lang)  # noqa: E731
    empty = t("report_no_figures")
    attendance = charts.grouped_bar_chart("chart-attendance", t("report_chart_attendance"), [
        charts.Group(evening_label(e, lang), (charts.Row(t("report_signed_up"), e["signed_up"]),
                                              charts.Row(t("report_attended"), e["attended"]),
                                              charts.Row(t("report_walk_ins"), e["walk_ins"])))
        for e in evenings], empty)
    areas = charts.bar_chart("chart-areas", t("report_chart_areas"), [
        charts.Row(t("report_area_unknown") if area in ("", "unknown") else area, n)
        for area, n in sorted(series.get("by_area", {}).items(), key=lambda kv: (-_count(kv[1]), kv[0]))], empty)
    stages = (("met", "report_stage_groups"), ("interested", "report_stage_interested"),
              ("suggested", "report_stage_suggested"), ("accepted", "report_stage_accepted"))
    funnels = charts.grouped_bar_chart("chart-funnel", t("report_chart_funnel"), [
        charts.Group(row["name"], tuple(charts.Row(t(label), row[key]) for key, label in stages))
        for row in funnel(evenings)[:MAX_DRAWN_INITIATIVES]], empty)
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
    series = None
    if selection.chosen:
        try:
            series = _series(selection)
        except Invalid:  # the one check the page leaves to the reports: a period of at most five years
            selection.errors["from"] = [i18n.t("report_period_too_long", lang)]
            status = 400
    if series is not None:
        # Each evening's own report is a handful of reads: the latest ones are drawn, the CSV has them all.
        evenings = [r for r in (_meeting(i) for i in series["meetings"][-MAX_DRAWN_EVENINGS:]) if r]
        context.update(series=series, evenings=evenings, headline=headline(series, lang),
                       drawn_only=len(series["meetings"]) > MAX_DRAWN_EVENINGS, max_drawn=MAX_DRAWN_EVENINGS,
                       more_initiatives=max(0, len(funnel(evenings)) - MAX_DRAWN_INITIATIVES),
                       charts=report_charts(series, evenings, lang), ideas_by_theme=ideas_by_theme(evenings),
                       followed_up=followed_up(evenings), outcomes=figures.OUTCOMES)
        collaborations = series.get("collaboration_list", [])
    else:
        collaborations = _collaborations(Selection())[-RECENT_COLLABORATIONS:]
    for c in collaborations:
        c["names"] = [n or names.get(i) or i for n, i in zip(c.get("names") or [""] * 2, c["initiative_ids"])]
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
    values = {k: form.get(k, "").strip() for k in ("initiative_a", "initiative_b", "date", "description",
                                                    "meeting_id")}
    if values["meeting_id"] and not MEETING_ID.match(values["meeting_id"]):
        errors["meeting_id"] = [i18n.t("report_unknown_evening", lang)]
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


REFUSED = {"initiative_ids": ("initiative_a", "report_unknown_initiative"),
           "description": ("description", "report_long_description"),
           "meeting_id": ("meeting_id", "report_unknown_evening")}


@bp.post("/organisator/rapport/samenwerking")
@security.organiser_required
def record_collaboration():
    lang = i18n.current_lang()
    selection = parse_selection(request.form, lang)
    values, errors = _collaboration_form(request.form, _initiative_names(), lang)
    if not errors:
        try:
            _record_collaboration([values["initiative_a"], values["initiative_b"]],
                                  dt.date.fromisoformat(values["date"]), values["description"],
                                  values["meeting_id"] or None)
        except DomainError as exc:  # what the reports refused, said in the page's language beside its field
            errors = {REFUSED[name][0]: [i18n.t(REFUSED[name][1], lang)] for name in exc.fields if name in REFUSED}
            if not errors:
                errors["form"] = [i18n.t("report_not_saved", lang)]
    if errors:
        return _page(selection, form_errors=errors, form=values, status=400)
    flash(i18n.t("report_collaboration_saved", lang))
    query = {**selection.query(), **({"lang": lang} if lang != "nl" else {})}
    return redirect(url_for("report.report") + ("?" + urlencode(query) if query else "") + "#samenwerkingen",
                    code=303)
