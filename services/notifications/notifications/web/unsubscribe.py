"""The unsubscribe page, ``GET|POST /afmelden/<token>``: per channel or everything, and one-click (RFC 8058)."""
from flask import current_app, render_template, request
from flask_smorest import Blueprint

from .. import config, links
from ..adapters import store
from ..domain import model

blp = Blueprint("afmelden", __name__, description="Unsubscribe page linked from every message")

TEXT = {
    "nl": {"title": "Afmelden", "intro": "Welke berichten van Wijkkracht wil je niet meer krijgen?",
           "email": "Geen e-mail meer", "sms": "Geen sms meer", "all": "Helemaal niets meer",
           "done": "Je bent afgemeld. Je krijgt van ons geen berichten meer via: {channels}.",
           "bad": "Deze afmeldlink klopt niet of is verlopen.", "email_name": "e-mail", "sms_name": "sms"},
    "en": {"title": "Unsubscribe", "intro": "Which messages from Wijkkracht would you rather not get?",
           "email": "No more email", "sms": "No more text messages", "all": "Nothing at all",
           "done": "You are unsubscribed. We will not send you messages by: {channels}.",
           "bad": "This unsubscribe link is not valid.", "email_name": "email", "sms_name": "text message"},
}


def _db():
    return current_app.extensions["notifications.db"]


def _language(audience: str | None = None, recipient_id: str | None = None) -> str:
    """``?lang=``, else the recipient's own language (a resident's from their sign-up, an initiative's from its
    registration), else the browser's, else Dutch."""
    wanted = request.args.get("lang")
    if wanted in TEXT:
        return wanted
    if audience:
        found = (store.person if audience == "person" else store.initiative)(_db(), recipient_id) or {}
        if found.get("language") in TEXT:
            return found["language"]
    return request.accept_languages.best_match(tuple(TEXT)) or "nl"


HTML = {"content": {"text/html": {"schema": {"type": "string"}}}}
# The page answers in HTML whatever happens, an unknown link or a wrong choice included; say so in the spec.
PAGE_RESPONSES = {"200": {"description": "The page", **HTML},
                  "400": {"description": "An unknown choice of channel", **HTML},
                  "404": {"description": "An unknown, altered or outdated link", **HTML}}


@blp.route("/afmelden/<token>", methods=["GET", "POST"])
@blp.doc(responses=PAGE_RESPONSES)
def afmelden(token: str):
    """GET shows the choice; POST (form ``channel`` = email|sms|all, or a mail client's one-click) records it."""
    decoded = links.read_unsubscribe_token(config.secret_key(), token) if len(token) < 500 else None
    if decoded is None:
        lang = _language()
        return render_template("afmelden.html", t=TEXT[lang], lang=lang, state="bad"), 404
    audience, recipient_id, token_channel = decoded
    lang = _language(audience, recipient_id)
    t = TEXT[lang]
    if request.method == "GET":
        return render_template("afmelden.html", t=t, lang=lang, state="choose", token=token,
                               suggested=token_channel)
    if request.form.get("List-Unsubscribe") == "One-Click":
        choice = token_channel or "all"
    else:
        choice = request.form.get("channel") or token_channel or "all"
    if choice not in (*model.CHANNELS, "all"):
        return render_template("afmelden.html", t=t, lang=lang, state="choose", token=token,
                               suggested=token_channel), 400
    channels = list(model.CHANNELS) if choice == "all" else [choice]
    if audience == "person":
        store.set_unsubscribed(_db(), recipient_id, channels)
    else:
        store.set_initiative_unsubscribed(_db(), recipient_id, channels)
    names = ", ".join(t[f"{c}_name"] for c in channels)
    return render_template("afmelden.html", t=t, lang=lang, state="done", channels=names)
