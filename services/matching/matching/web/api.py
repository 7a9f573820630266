"""The JSON API of DESIGN §4: ``/api/v1/meetings/<id>/groups``, ``/schedule``, ``/matches`` (+ seating detail)."""
from flask import current_app
from flask import abort
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from wijkkracht.web import require_organiser

from ..adapters import store
from .common import LangQuery

blp = Blueprint("matching", __name__, url_prefix="/api/v1", description="An evening's groups, timetable and proposals")


class I18nText(Schema):
    nl = fields.Str()
    en = fields.Str()


class I18nList(Schema):
    nl = fields.List(fields.Str())
    en = fields.List(fields.Str())


class Group(Schema):
    colour = fields.Str(required=True)
    table = fields.Int(required=True)
    members = fields.List(fields.Str(), required=True)


class Groups(Schema):
    meeting_id = fields.Str()
    started = fields.Bool()
    groups = fields.List(fields.Nested(Group), required=True)


class Slot(Schema):
    table = fields.Int(required=True)
    colour = fields.Str(required=True)
    initiative_id = fields.Str(allow_none=True)
    question = fields.Str(required=True)
    question_i18n = fields.Nested(I18nText)


class Round(Schema):
    starts_at = fields.Str(required=True)
    tables = fields.List(fields.Nested(Slot), required=True)


class Timetable(Schema):
    meeting_id = fields.Str()
    published = fields.Bool()
    rounds = fields.List(fields.Nested(Round), required=True)


class Suggestion(Schema):
    initiative_id = fields.Str(required=True)
    role_id = fields.Str(required=True)
    score = fields.Float(required=True)
    reasons = fields.List(fields.Str(), required=True)
    reasons_i18n = fields.Nested(I18nList)
    reason_codes = fields.List(fields.Str(), metadata={"description": "why, as codes: asked, interests, ..."})
    share_details = fields.Bool(metadata={"description": "the initiative may see the resident's details "
                                                         "before they accept (they agreed to share)"})
    answer = fields.Str(allow_none=True, metadata={"description": "accept | decline, once the resident answered"})


class ResidentMatches(Schema):
    person_id = fields.Str(required=True)
    suggestions = fields.List(fields.Nested(Suggestion), required=True)


class Pair(Schema):
    initiative_ids = fields.List(fields.Str(), required=True)
    score = fields.Float(required=True)
    reasons = fields.List(fields.Str(), required=True)
    reasons_i18n = fields.Nested(I18nList)
    reason_codes = fields.List(fields.Str())


class Matches(Schema):
    meeting_id = fields.Str()
    proposed = fields.Bool(metadata={"description": "true once every resident's suggestions are stored; while "
                                                    "the parts are still being written, false with those so far"})
    parts = fields.Int(metadata={"description": "in how many parts the proposals were stored and sent"})
    residents = fields.List(fields.Nested(ResidentMatches), required=True)
    initiatives = fields.List(fields.Nested(Pair), required=True)


class Seat(Schema):
    person_id = fields.Str(required=True)
    colour = fields.Str(required=True)
    table = fields.Int(required=True)
    seed = fields.Str()
    position = fields.Int()
    candidates = fields.List(fields.Str())
    conflicts = fields.Dict(keys=fields.Str(), values=fields.Int())
    reason = fields.Str()


def _db():
    return current_app.extensions["matching.db"]


def _evening_or_404(meeting_id: str, projection: dict) -> dict:
    """An evening we have heard of (from registration, or because someone checked in)."""
    doc = store.meeting(_db(), meeting_id, projection)
    if doc is None:
        abort(404, description="No such evening.")
    return doc


@blp.route("/meetings/<meeting_id>/groups")
@blp.doc(security=[{"organiser": []}])
@blp.alt_response(401, description="Organiser token missing or wrong")
@require_organiser
@blp.response(200, Groups)
@blp.alt_response(404, description="Unknown evening")
def groups(meeting_id):
    """(Organiser: it names who sits where.) The table groups so far: one per colour, with the people at it (fixed once the evening started)."""
    state = store.seating(_evening_or_404(meeting_id, {"seating": 1, "started": 1}))
    # A table closed at the start is gone (its people moved); the others keep their numbers.
    by_colour = {c: [] for c in state["colours"] if c not in state["closed"]}
    for person, colour in state["members"].items():
        by_colour.setdefault(colour, []).append(person)
    return {"meeting_id": meeting_id, "started": state["started"],
            "groups": [{"colour": c, "table": state["colours"].index(c) + 1 if c in state["colours"] else 0,
                        "members": m} for c, m in by_colour.items()]}


@blp.route("/meetings/<meeting_id>/schedule")
@blp.arguments(LangQuery, location="query")
@blp.response(200, Timetable)
@blp.alt_response(404, description="Unknown evening")
def schedule(query, meeting_id):
    """The timetable, published when the evening starts (``rounds`` is empty before)."""
    doc = _evening_or_404(meeting_id, {"schedule": 1}).get("schedule") or {}
    lang = query["lang"]
    rounds = [{"starts_at": r["starts_at"],
               "tables": [{**t, "question": t["question"][lang], "question_i18n": t["question"]}
                          for t in r["tables"]]}
              for r in doc.get("rounds") or []]
    return {"meeting_id": meeting_id, "published": bool(doc), "rounds": rounds}


@blp.route("/meetings/<meeting_id>/matches")
@blp.doc(security=[{"organiser": []}])
@blp.alt_response(401, description="Organiser token missing or wrong")
@require_organiser
@blp.arguments(LangQuery, location="query")
@blp.response(200, Matches)
@blp.alt_response(404, description="Unknown evening")
def matches(query, meeting_id):
    """(Organiser: it names residents.) Suggestions for residents and pairs of initiatives, made when the evening closes (empty before)."""
    complete = store.has_matches(_db(), meeting_id)  # before the read: then the read holds every part
    doc = store.matches(_db(), meeting_id)
    lang = query["lang"]
    if doc is None:
        _evening_or_404(meeting_id, {"_id": 1})
        return {"meeting_id": meeting_id, "proposed": False, "parts": 0, "residents": [], "initiatives": []}
    residents = [{"person_id": r["person_id"],
                  "suggestions": [{"initiative_id": s["initiative_id"], "role_id": s["role_id"], "score": s["score"],
                                   "reasons": s["reasons"][lang], "reasons_i18n": _i18n(s["reasons"]),
                                   "reason_codes": s["reasons"].get("codes") or [],
                                   "share_details": bool(s.get("share_details")),
                                   "answer": r["answers"].get(s["role_id"])}
                                  for s in r["suggestions"]]}
                 for r in doc.get("residents") or []]
    pairs = [{"initiative_ids": p["initiative_ids"], "score": p["score"], "reasons": p["reasons"][lang],
              "reasons_i18n": _i18n(p["reasons"]), "reason_codes": p["reasons"].get("codes") or []}
             for p in doc.get("initiatives") or []]
    return {"meeting_id": meeting_id, "proposed": complete,
            "parts": doc.get("parts") or 0, "residents": residents, "initiatives": pairs}


def _i18n(reasons: dict) -> dict:
    return {"nl": reasons.get("nl") or [], "en": reasons.get("en") or []}


@blp.route("/meetings/<meeting_id>/seating/<person_id>")
@blp.doc(security=[{"organiser": []}])
@blp.alt_response(401, description="Organiser token missing or wrong")
@blp.alt_response(404, description="No colour for this person at this evening")
@require_organiser
@blp.response(200, Seat)
def seat(meeting_id, person_id):
    """Why someone sits where they sit (organiser): the evening's seed, their place in the queue, the choice."""
    found = store.seat_of(_db(), meeting_id, person_id)
    if found is None:
        abort(404, description="This person has no colour at this evening.")
    log = found.get("log") or {}
    return {"person_id": person_id, "colour": found["colour"], "table": found["table"], "seed": found.get("seed"),
            "position": found.get("position"), "candidates": log.get("candidates") or [],
            "conflicts": log.get("conflicts") or {}, "reason": log.get("reason")}
