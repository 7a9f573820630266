"""The answer links residents get: ``/antwoord/<token>`` shows the suggestion and a button; the button answers.

A GET never answers (mail scanners open links); the POST does, and ``match.accepted``/``match.declined``
follow from the outbox. ``POST /api/v1/answers/<token>`` does the same for apps.
"""
from flask import current_app, render_template_string
from flask import abort
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from .. import handlers, links
from ..adapters import store
from .common import LangQuery

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
           "gone": "Deze link werkt niet (meer)."},
    "en": {"title": "Your answer", "accept": "Yes, I would like to join {name} as {role}.",
           "decline": "No, I would rather not join {name} as {role}.", "button": "Confirm",
           "done_accept": "Thank you! We will let {name} know you would like to join.",
           "done_decline": "Thank you for your answer. We will pass it on.",
           "gone": "This link does not work (any more)."},
}

PAGE = """<!doctype html><html lang="{{ lang }}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{{ t.title }}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;font-size:1.15rem}
button{font-size:1.2rem;padding:.8rem 1.6rem;border-radius:.5rem;border:0;background:#c0392b;color:#fff}</style>
</head><body><h1>{{ t.title }}</h1><p>{{ message }}</p>
{% if form %}<form method="post" action="?lang={{ lang }}"><button type="submit">{{ t.button }}</button></form>{% endif %}
<p><a href="?lang={{ 'en' if lang == 'nl' else 'nl' }}">{{ 'English' if lang == 'nl' else 'Nederlands' }}</a></p>
</body></html>"""


HTML = {"content": {"text/html": {"schema": {"type": "string"}}}}
PAGE_RESPONSES = {"200": {"description": "The page", **HTML},
                  "404": {"description": "An unknown, altered or outdated link", **HTML}}


def _names(data: dict) -> tuple[str, str]:
    initiative = store.initiative(current_app.extensions["matching.db"], data["initiative_id"]) or {}
    role = next((r for r in initiative.get("roles") or [] if r["role_id"] == data["role_id"]), {})
    return initiative.get("name") or "", role.get("title") or ""


def _page(lang: str, message: str, form: bool, status: int = 200):
    return render_template_string(PAGE, lang=lang, t=TEXT[lang], message=message, form=form), status


@blp.route("/antwoord/<token>", methods=["GET"])
@blp.arguments(LangQuery, location="query")
@blp.doc(responses=PAGE_RESPONSES)
def show(query, token):
    """The page behind an answer link: what the answer means, and a button to confirm it."""
    lang, data = query["lang"], links.read_token(token)
    if data is None:
        return _page(lang, TEXT[lang]["gone"], False, 404)
    name, role = _names(data)
    return _page(lang, TEXT[lang][data["answer"]].format(name=name, role=role), True)


@blp.route("/antwoord/<token>", methods=["POST"])
@blp.arguments(LangQuery, location="query")
@blp.doc(responses=PAGE_RESPONSES)
def confirm(query, token):
    lang, data = query["lang"], links.read_token(token)
    if data is None:
        return _page(lang, TEXT[lang]["gone"], False, 404)
    try:
        handlers.answer_suggestion(current_app.extensions["matching.db"], data)
    except handlers.UnknownSuggestion:
        return _page(lang, TEXT[lang]["gone"], False, 404)
    name, _role = _names(data)
    return _page(lang, TEXT[lang][f"done_{data['answer']}"].format(name=name), False)


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
