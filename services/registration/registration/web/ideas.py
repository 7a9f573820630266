"""The idea form of a resident (``/t/<token>/idee``): opened from their evening page, or from the list of
suggestions their thanks message links to (matching's ``/a/<token>``, which signs the same evening link).

Phone first, no JavaScript, Dutch or English (the resident's language unless ``?lang=`` says otherwise).
The idea's text is required; its themes, the resident's name, email or phone, and "initiatives may contact
me" are not. A POST carries a CSRF token and passes a honeypot and a per-address rate limit; each resident
may leave ``ideas.MAX_PER_PERSON`` ideas per evening.

``_initiative_ideas.html`` is the partial an initiative's page includes to list ``ideas.for_initiative``.
"""
import logging

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from .. import ideas
from ..domain.vocabulary import THEMES, label
from . import i18n, security
from .evening_page import _gone, _lang, _lang_helpers, _resident
from .forms import summary_lines
from .runtime import correlation_id, store

log = logging.getLogger(__name__)
bp = Blueprint("ideas", __name__)

IDEAS_PER_MINUTE = 20  # ideas one client address may post per minute (a shared wifi at an evening is fine)
FIELDS = ("text", "themes", "name", "email", "phone", "may_contact")


def idea_form_url(token: str, lang: str | None = None) -> str:
    return url_for("ideas.idea", token=token, **({"lang": lang} if lang and lang != "nl" else {}))


def _labels(lang: str) -> dict:
    return {name: i18n.t(f"idea_label_{name}", lang) for name in FIELDS}


def _messages(errors: dict[str, str], lang: str) -> dict[str, list[str]]:
    """``ideas.check``'s reasons as the page says them, per field."""
    return {name: [i18n.t(f"idea_err_{name}_{reason}", lang)] for name, reason in errors.items()}


def _form_values(form) -> dict:
    return {"text": form.get("text", ""), "themes": form.getlist("themes"), "name": form.get("name", ""),
            "email": form.get("email", ""), "phone": form.get("phone", ""),
            "may_contact": form.get("may_contact") == "yes"}


def _page(token: str, meeting: dict, lang: str, form: dict | None = None, errors: dict | None = None,
          done: bool = False, status: int = 200):
    errors = errors or {}
    helpers = _lang_helpers(lang)
    response = current_app.make_response((render_template(
        "idea.html", meeting=meeting, form=form or {"themes": [], "may_contact": False}, errors=errors,
        error_lines=summary_lines(errors, _labels(lang)), done=done, token=token, themes=THEMES,
        theme_text=lambda code: label(THEMES, code, lang), max_text=ideas.MAX_TEXT,
        evening_url=url_for("evening_page.evening", token=token, **({"lang": lang} if lang != "nl" else {})),
        **{**helpers, "lang_form": None if done else "idea-form"}), status))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the address names a person: never passed on
    return response


@bp.route("/t/<token>/idee", methods=["GET", "POST"])
def idea(token):
    found = _resident(token)
    if found is None:
        return _gone()
    meeting, registration = found
    lang = _lang(registration)
    if request.method == "GET":
        return _page(token, meeting, lang, done=request.args.get("saved") == "1")
    if not security.csrf_valid():
        abort(400, "csrf")
    switched = request.form.get(i18n.SWITCH_FIELD)
    if switched in i18n.LANGS:  # the language switch: the same form, what was typed kept
        return _page(token, meeting, switched, form=_form_values(request.form))
    if security.is_bot() or store().hit(security.client_bucket("idea"), 60) > IDEAS_PER_MINUTE:
        abort(429)
    form = _form_values(request.form)
    clean, errors = ideas.check(form)
    if errors:
        return _page(token, meeting, lang, form=form, errors=_messages(errors, lang), status=400)
    kept = ideas.share_idea(store(), meeting["_id"], registration["person_id"], clean, language=lang,
                            correlation_id=correlation_id())
    if kept is None:
        return _page(token, meeting, lang, form=form, status=429,
                     errors=_messages({"text": ideas.TOO_MANY}, lang))
    log.info("idea shared", extra={"idea_id": kept["_id"], "meeting_id": meeting["_id"]})
    return redirect(idea_form_url(token, lang) + ("&" if lang != "nl" else "?") + "saved=1", code=303)


# --- the partial an initiative's page includes -------------------------------------------------------------

@bp.app_template_global("idea_t")
def idea_text(key: str, lang: str) -> str:
    """The partial's words in the language the including page passes (not necessarily the request's)."""
    return i18n.t(key, lang if lang in i18n.LANGS else "nl")


@bp.app_template_global("idea_theme")
def idea_theme(code: str, lang: str) -> str:
    return label(THEMES, code, lang)


@bp.app_template_global("idea_when")
def idea_when(value, lang: str) -> str:
    return i18n.when(value, lang if lang in i18n.LANGS else "nl") if value else ""
