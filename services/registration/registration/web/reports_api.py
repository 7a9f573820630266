"""The report's API (DESIGN §4 "Reports"), organiser only: an evening's figures, a series' figures, JSON or CSV
(``Accept: text/csv``), and the collaborations between initiatives. Counts only, never a resident's name."""
import datetime as dt

from flask import Response, jsonify, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from wijkkracht.validation import Line, Text
from wijkkracht.web import require_organiser

from .. import reports
from ..domain import report as figures
from .runtime import store

blp = Blueprint("reports", __name__, url_prefix="/api/v1", description="Reports: the figures of evenings and series")
ORGANISER = [{"organiserToken": []}]


class SeriesArgs(Schema):
    meeting_ids = Line(validate=validate.Length(max=20_000), metadata={"description": "Evening ids, comma separated"})
    from_ = Line(data_key="from", validate=validate.Length(max=10), metadata={"description": "First local date, YYYY-MM-DD"})
    to = Line(validate=validate.Length(max=10), metadata={"description": "Last local date, YYYY-MM-DD"})
    area = Line(validate=validate.Length(max=100))


class CollaborationIn(Schema):
    initiative_ids = fields.List(Line(validate=validate.Length(min=1, max=64)), required=True,
                                 validate=validate.Length(equal=2, error="Give two initiatives."))
    date = fields.Date(required=True)
    description = Text(required=True, validate=validate.Length(min=1, max=reports.MAX_DESCRIPTION))
    meeting_id = Line(allow_none=True, load_default=None, validate=validate.Length(max=64))


class CollaborationArgs(SeriesArgs):
    initiative_id = Line(validate=validate.Length(max=64))


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return value


def _answer(report: dict, to_csv, filename: str):
    if request.accept_mimetypes.best_match(["application/json", "text/csv"]) == "text/csv":
        response = Response(to_csv(report), mimetype="text/csv")
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
        response.headers["Cache-Control"] = "no-store"
        return response
    response = jsonify(_jsonable(report))
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.route("/reports/meetings/<meeting_id>", methods=["GET"])
@require_organiser
@blp.alt_response(401, description="Organiser token missing or wrong")
@blp.alt_response(404, description="Unknown evening")
@blp.doc(security=ORGANISER, responses={"200": {"description": "The evening's figures (JSON, or CSV with "
                                                               "`Accept: text/csv`)"}})
def meeting_report(meeting_id):
    """One evening's figures (organiser): sign-ups, arrivals, tables, encounters, per initiative (with what
    became of its volunteers, ``followed_up``), initiative pairs, residents' ideas (``ideas``, ``ideas_by_theme``),
    messages."""
    report = reports.get_meeting_report(store().db, meeting_id[:64])
    return _answer(report, figures.meeting_csv, f"wijkkracht-avond-{meeting_id[:64]}.csv")


@blp.route("/reports/series", methods=["GET"])
@require_organiser
@blp.arguments(SeriesArgs, location="query")
@blp.alt_response(401, description="Organiser token missing or wrong")
@blp.alt_response(422, description="No evenings chosen, or a field invalid")
@blp.doc(security=ORGANISER, responses={"200": {"description": "The series' figures (JSON, or CSV with "
                                                               "`Accept: text/csv`); areas with fewer than 5 "
                                                               "residents read \"< 5\""}})
def series_report(args):
    """A series' figures (organiser): chosen evenings (``meeting_ids=a,b,c``) or a period and area
    (``from``, ``to``, ``area``). Returning residents came to two or more of its evenings; ``volunteers_started``
    counts residents an initiative said started with it; ``ideas`` the ideas residents left."""
    selection = reports.parse_selection(args.get("meeting_ids"), args.get("from_"), args.get("to"), args.get("area"))
    return _answer(reports.series_report(store().db, selection), figures.series_csv, "wijkkracht-reeks.csv")


@blp.route("/collaborations", methods=["POST"])
@require_organiser
@blp.arguments(CollaborationIn)
@blp.alt_response(401, description="Organiser token missing or wrong")
@blp.alt_response(422, description="A field invalid (two approved initiatives, a date, a description)")
@blp.doc(security=ORGANISER, responses={"201": {"description": "The collaboration recorded"}})
def record_collaboration(data):
    """Record that two initiatives did something together (organiser): counted in the series report."""
    doc = reports.record_collaboration(store().db, data["initiative_ids"], data["date"], data["description"],
                                       meeting_id=data.get("meeting_id"), recorded_by="organiser")
    return jsonify(_jsonable(doc)), 201


@blp.route("/collaborations", methods=["GET"])
@require_organiser
@blp.arguments(CollaborationArgs, location="query")
@blp.alt_response(401, description="Organiser token missing or wrong")
@blp.doc(security=ORGANISER, responses={"200": {"description": "`{collaborations: [...]}`, oldest first"}})
def list_collaborations(args):
    """Collaborations (organiser): all, of one initiative (``initiative_id``), or those a series claims
    (the series' ``meeting_ids`` or ``from``/``to``/``area``)."""
    chosen = any(args.get(k) for k in ("meeting_ids", "from_", "to", "area"))
    selection = reports.parse_selection(args.get("meeting_ids"), args.get("from_"), args.get("to"),
                                        args.get("area")) if chosen else None
    found = reports.collaborations(store().db, args.get("initiative_id"), selection)
    return jsonify({"collaborations": _jsonable(found)})
