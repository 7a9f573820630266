"""The programme for table hosts (organiser session): the evening's rounds in local time with, per table, its
colour, the initiative's name and the round's question; A4 table cards to print; the hall screen.

Built from this service's own read model: the timetable from ``schedule.published`` (kept on the evening),
the initiatives' names. ``GET /api/v1/meetings/<id>/programme`` gives the same as JSON (organiser token).
"""
import datetime as dt
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, jsonify, render_template, request
from wijkkracht.web import json_error, require_organiser

from .. import config
from ..adapters.store import now
from ..domain import programme as plan
from ..domain.vocabulary import COLOURS, label
from . import i18n, security
from .runtime import store

bp = Blueprint("programme", __name__)


def _zone() -> ZoneInfo:
    return ZoneInfo(config.timezone() or "Europe/Amsterdam")


def local_time(value: dt.datetime) -> str:
    return value.astimezone(_zone()).strftime("%H:%M")


def colour_name(colour: str, lang: str) -> str:
    return label(COLOURS, colour, lang) if colour in COLOURS else colour


def initiative_names(meeting: dict, rounds: list[plan.Round]) -> dict[str, str]:
    ids = list(meeting.get("initiative_ids") or [])
    ids += [s.initiative_id for r in rounds for s in r.seats if s.initiative_id and s.initiative_id not in ids]
    return {i: doc["name"] for i in ids if (doc := store().initiative(i))}


def evening(meeting_id: str) -> tuple[dict, list[plan.Round], dict[str, str]]:
    meeting = store().meeting(meeting_id)
    if meeting is None:
        abort(404)
    rounds = plan.rounds(meeting.get("schedule"), meeting.get("slot_minutes") or 20)
    return meeting, rounds, initiative_names(meeting, rounds)


def seat_view(seat: plan.Seat, names: dict[str, str], lang: str) -> dict:
    if seat.initiative_id is None:
        initiative = i18n.t("no_initiative", lang)
    else:
        initiative = names.get(seat.initiative_id) or i18n.t("unknown_initiative", lang)
    return {"table": seat.table, "colour": seat.colour, "colour_label": colour_name(seat.colour, lang),
            "initiative_id": seat.initiative_id, "initiative": initiative,
            "question": plan.question_text(seat.question, lang)}


def round_view(r: plan.Round, names: dict[str, str], lang: str) -> dict:
    return {"number": r.number, "start": local_time(r.starts_at), "end": local_time(r.ends_at),
            "starts_at": r.starts_at.isoformat(), "ends_at": r.ends_at.isoformat(),
            "tables": [seat_view(s, names, lang) for s in r.seats]}


def card_view(card: plan.Card, names: dict[str, str], lang: str) -> dict:
    return {"table": card.table, "colour": card.colour, "colour_label": colour_name(card.colour, lang),
            "rows": [{"number": row.round.number, "start": local_time(row.round.starts_at),
                      "end": local_time(row.round.ends_at), **seat_view(row.seat, names, lang)}
                     for row in card.rows]}


def hall_view(rounds: list[plan.Round], names: dict[str, str], lang: str, at: dt.datetime) -> dict:
    state = plan.hall(rounds, at)

    def name(initiative_id):
        return names.get(initiative_id) or i18n.t("unknown_initiative", lang)

    return {
        "phase": state.phase, "now": at.isoformat(), "rounds": len(rounds),
        "current": round_view(state.current, names, lang) if state.current else None,
        "upcoming": round_view(state.upcoming, names, lang) if state.upcoming else None,
        "next_at": state.next_at.isoformat() if state.next_at else None,
        "next_local": local_time(state.next_at) if state.next_at else None,
        "seconds_left": max(0, int((state.next_at - at).total_seconds())) if state.next_at else None,
        "moves": [{"initiative_id": m.initiative_id, "initiative": name(m.initiative_id), "table": m.table,
                   "next_table": m.next_table, "next_colour": m.next_colour,
                   "next_colour_label": colour_name(m.next_colour, lang) if m.next_colour else None,
                   "returns": m.returns}
                  for m in state.moves],
    }


def _page(template: str, meeting_id: str, **extra):
    lang = i18n.current_lang()
    meeting, rounds, names = evening(meeting_id)
    return render_template(template, meeting=meeting, has_schedule=bool(rounds),
                           rounds=[round_view(r, names, lang) for r in rounds],
                           cards=[card_view(c, names, lang) for c in plan.cards(rounds)],
                           slot_minutes=meeting.get("slot_minutes") or 20, **extra)


@bp.get("/organisator/<meeting_id>/programma")
@security.organiser_required
def programme(meeting_id):
    return _page("programme.html", meeting_id)


@bp.get("/organisator/<meeting_id>/tafelkaarten")
@security.organiser_required
def table_cards(meeting_id):
    return _page("table_cards.html", meeting_id)


@bp.get("/organisator/<meeting_id>/zaal")
@security.organiser_required
def hall(meeting_id):
    lang = i18n.current_lang()
    meeting, rounds, names = evening(meeting_id)
    theme = "light" if request.args.get("thema") == "licht" else "dark"
    return render_template("hall.html", meeting=meeting, hall=hall_view(rounds, names, lang, now()), theme=theme)


@bp.get("/organisator/<meeting_id>/zaal.json")
@security.organiser_required
def hall_json(meeting_id):
    """What the hall screen fetches every few seconds to move on by itself."""
    lang = i18n.current_lang()
    _meeting, rounds, names = evening(meeting_id)
    response = jsonify(hall_view(rounds, names, lang, now()))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/api/v1/meetings/<meeting_id>/programme")
@require_organiser
def programme_api(meeting_id):
    """The programme with names and both languages' questions, and the hall screen's view of now."""
    meeting = store().meeting(meeting_id)
    if meeting is None:
        return json_error(404, "not_found", "No evening with this id.")
    rounds = plan.rounds(meeting.get("schedule"), meeting.get("slot_minutes") or 20)
    names = initiative_names(meeting, rounds)
    views = [round_view(r, names, "nl") for r in rounds]
    for view, r in zip(views, rounds):
        for table, seat in zip(view["tables"], r.seats):
            table["question"] = dict(seat.question)
            table["colour_label"] = {"nl": colour_name(seat.colour, "nl"), "en": colour_name(seat.colour, "en")}
            if seat.initiative_id is None:
                table["initiative"] = None
    return jsonify({"meeting_id": meeting_id, "status": meeting["status"], "timezone": str(_zone()),
                    "slot_minutes": meeting.get("slot_minutes") or 20, "rounds": views,
                    "tables": [{"table": c.table, "colour": c.colour} for c in plan.cards(rounds)],
                    "hall": hall_view(rounds, names, "nl", now())})
