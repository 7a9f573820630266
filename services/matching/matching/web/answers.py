"""The answer links residents get: ``/antwoord/<token>`` shows the suggestion and a button; the button answers.
``/a/<token>`` (the short link of the thanks SMS) lists all of a resident's suggestions, each with yes and no.
Pages speak the resident's language (``?lang=`` wins, then their sign-up's, then the browser's).

A GET never answers (mail scanners open links); the POST does, and ``match.accepted``/``match.declined``
follow from the outbox. ``POST /api/v1/answers/<token>`` does the same for apps.
"""
from flask import abort, current_app, render_template, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from wijkkracht import evening_link

from .. import config, handlers, links
from ..adapters import store
from .common import Lang

blp = Blueprint("answers", __name__, description="Residents accept or decline a suggestion through a signed link")


class Answer(Schema):
    meeting_id = fields.Str(required=True)
    person_id = fields.Str(required=True)
    initiative_id = fields.Str(required=True)
    role_id = fields.Str(required=True)
    answer = fields.Str(required=True)
    changed = fields.Bool(required=True)


TEXT = {
    "nl": {"title": "Jouw antwoord", "accept": "Ja, ik wil graag meedoen met {name} als {role}.",
           "decline": "Nee, ik doe liever niet mee met {name} als {role}.", "button": "Bevestigen",
           "done_accept": "Dank je wel! {name} hoort van ons dat je wilt meedoen.",
           "done_decline": "Dank je wel voor je antwoord. We geven het door.",
           "gone": "Deze link werkt niet (meer).",
           "list_title": "Initiatieven die bij jou passen",
           "intro": "Na de Wijkkracht-avond denken we dat deze initiatieven bij jou passen. Wil je meedoen?",
           "none": "We hebben nu geen initiatieven voor je. Dank je wel dat je er was!",
           "yes": "Ja, ik wil meedoen", "no": "Nee, liever niet",
           "you_said_accept": "Je zei: ja, ik wil meedoen.", "you_said_decline": "Je zei: nee, liever niet.",
           "idea": "Heb je een idee voor de wijk?", "idea_link": "Deel je idee"},
    "en": {"title": "Your answer", "accept": "Yes, I would like to join {name} as {role}.",
           "decline": "No, I would rather not join {name} as {role}.", "button": "Confirm",
           "done_accept": "Thank you! We will let {name} know you would like to join.",
           "done_decline": "Thank you for your answer. We will pass it on.",
           "gone": "This link does not work (any more).",
           "list_title": "Initiatives that may suit you",
           "intro": "After the Wijkkracht evening we think these initiatives may suit you. Would you like to join?",
           "none": "We have no initiatives for you right now. Thank you for coming!",
           "yes": "Yes, I would like to join", "no": "No, thanks",
           "you_said_accept": "You said: yes, I would like to join.", "you_said_decline": "You said: no, thanks.",
           "idea": "Do you have an idea for the neighbourhood?", "idea_link": "Share your idea"},
}

HTML = {"content": {"text/html": {"schema": {"type": "string"}}}}
PAGE_RESPONSES = {"200": {"description": "The page", **HTML},
                  "404": {"description": "An unknown, altered or outdated link", **HTML}}


class PageQuery(Schema):
    lang = Lang(load_default=None, metadata={"description": "nl or en; without it the resident's own language"})


class AnswerForm(Schema):
    initiative_id = fields.Str(required=True, validate=validate.Length(max=200))
    role_id = fields.Str(required=True, validate=validate.Length(max=200))
    answer = fields.Str(required=True, validate=validate.OneOf(links.ANSWERS))


def _db():
    return current_app.extensions["matching.db"]


def _lang(asked: str | None, person_id: str | None) -> str:
    """The language asked for in the link, else the resident's own (from their sign-up), else the browser's."""
    if asked:
        return asked
    own = store.person_language(_db(), person_id) if person_id else None
    if own in TEXT:
        return own
    return request.accept_languages.best_match(tuple(TEXT)) or "nl"


def _names(data: dict) -> tuple[str, str]:
    initiative = store.initiative(_db(), data["initiative_id"]) or {}
    role = next((r for r in initiative.get("roles") or [] if r["role_id"] == data["role_id"]), {})
    return initiative.get("name") or "", role.get("title") or ""


def idea_url(meeting_id: str, person_id: str, lang: str) -> str | None:
    """The resident's idea form at registration: their evening link (the same link secret) with ``/idee``."""
    page = evening_link.url(config.registration_base_url(), config.link_secret(), meeting_id, person_id)
    return page and page + "/idee" + ("?lang=en" if lang == "en" else "")


def _page(lang: str, *, title: str | None = None, message: str = "", single: bool = False, notice: str = "",
          suggestions: list | None = None, status: int = 200, idea: str | None = None):
    t = {**TEXT[lang], "title": title or TEXT[lang]["title"]}
    return render_template("answers.html", lang=lang, other="en" if lang == "nl" else "nl", t=t, message=message,
                           single=single, notice=notice, suggestions=suggestions, idea_url=idea), status


@blp.route("/antwoord/<token>", methods=["GET"])
@blp.arguments(PageQuery, location="query")
@blp.doc(responses=PAGE_RESPONSES)
def show(query, token):
    """The page behind an answer link: what the answer means, and a button to confirm it."""
    data = links.read_token(token)
    lang = _lang(query["lang"], data and data["person_id"])
    if data is None:
        return _page(lang, message=TEXT[lang]["gone"], status=404)
    name, role = _names(data)
    return _page(lang, message=TEXT[lang][data["answer"]].format(name=name, role=role), single=True)


@blp.route("/antwoord/<token>", methods=["POST"])
@blp.arguments(PageQuery, location="query")
@blp.doc(responses=PAGE_RESPONSES)
def confirm(query, token):
    data = links.read_token(token)
    lang = _lang(query["lang"], data and data["person_id"])
    if data is None:
        return _page(lang, message=TEXT[lang]["gone"], status=404)
    try:
        handlers.answer_suggestion(_db(), data)
    except handlers.UnknownSuggestion:
        return _page(lang, message=TEXT[lang]["gone"], status=404)
    name, _role = _names(data)
    return _page(lang, message=TEXT[lang][f"done_{data['answer']}"].format(name=name))


def _suggestions(meeting_id: str, person_id: str, lang: str) -> list[dict] | None:
    row = store.resident_proposals(_db(), meeting_id, person_id)
    if row is None:
        return None
    answers = row.get("answers") or {}
    shown = []
    for s in row.get("suggestions") or []:
        name, role = _names(s)
        reasons = (s.get("reasons") or {}).get(lang) or (s.get("reasons") or {}).get("nl") or []
        shown.append({"initiative_id": s["initiative_id"], "role_id": s["role_id"], "name": name, "role": role,
                      "reasons": reasons, "answer": answers.get(s["role_id"])})
    return shown


@blp.route("/a/<token>", methods=["GET"])
@blp.arguments(PageQuery, location="query")
@blp.doc(responses=PAGE_RESPONSES)
def suggestions_page(query, token):
    """All of a resident's suggestions after an evening, each with a yes and a no (the short link of the SMS)."""
    ids = links.read_list_token(token)
    lang = _lang(query["lang"], ids and ids[1])
    if ids is None:
        return _page(lang, message=TEXT[lang]["gone"], status=404)
    shown = _suggestions(*ids, lang)
    if shown is None:
        return _page(lang, message=TEXT[lang]["gone"], status=404)
    return _page(lang, title=TEXT[lang]["list_title"], suggestions=shown, idea=idea_url(*ids, lang))


@blp.route("/a/<token>", methods=["POST"])
@blp.arguments(PageQuery, location="query")
@blp.arguments(AnswerForm, location="form")
@blp.doc(responses=PAGE_RESPONSES)
def answer_from_list(query, form, token):
    """Answer one suggestion from the page of all of them; the page shows again, with the answer."""
    ids = links.read_list_token(token)
    lang = _lang(query["lang"], ids and ids[1])
    if ids is None:
        return _page(lang, message=TEXT[lang]["gone"], status=404)
    meeting_id, person_id = ids
    shown = _suggestions(meeting_id, person_id, lang) or []
    pick = next((s for s in shown if s["initiative_id"] == form["initiative_id"] and s["role_id"] == form["role_id"]),
                None)
    data = {"meeting_id": meeting_id, "person_id": person_id, "initiative_id": form["initiative_id"],
            "role_id": form["role_id"], "answer": form["answer"]}
    try:
        if pick is None:
            raise handlers.UnknownSuggestion()
        handlers.answer_suggestion(_db(), data)
    except handlers.UnknownSuggestion:
        return _page(lang, message=TEXT[lang]["gone"], status=404)
    pick["answer"] = form["answer"]
    notice = TEXT[lang][f"done_{form['answer']}"].format(name=pick["name"])
    return _page(lang, title=TEXT[lang]["list_title"], notice=notice, suggestions=shown,
                 idea=idea_url(meeting_id, person_id, lang))


@blp.route("/api/v1/answers/<token>", methods=["POST"])
@blp.response(200, Answer)
@blp.alt_response(404, description="Unknown or altered link, or the suggestion no longer exists")
def answer(token):
    """Accept or decline a suggestion with the token from its link (idempotent: the same answer twice is one)."""
    data = links.read_token(token)
    if data is None:
        abort(404, description="Unknown or altered answer link.")
    try:
        result = handlers.answer_suggestion(current_app.extensions["matching.db"], data)
    except handlers.UnknownSuggestion:
        abort(404, description="This suggestion no longer exists.")
    return {**{k: data[k] for k in ("meeting_id", "person_id", "initiative_id", "role_id")}, **result}
