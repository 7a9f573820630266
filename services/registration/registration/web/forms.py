"""The public pages: upcoming evenings, the residents' and initiatives' forms, confirmation and cancel links.

Server-rendered, no JavaScript needed; Dutch by default, ``?lang=en`` for English. Every POST carries a
CSRF token; sign-ups also pass a honeypot and a per-address rate limit.
"""
import logging

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from .. import handlers, initiatives
from ..adapters.store import now
from ..domain import model
from ..domain.errors import DomainError
from ..domain.vocabulary import COLOURS, LANGUAGE_CODES, TARGET_GROUPS, THEMES, label
from . import i18n, schemas, security
from .api import cancel_url_for
from .initiative_page import page_url_for
from .runtime import correlation_id, person_secret, store
from .tokens import confirmation_token, evening_over, registration_from_cancel_token, registration_from_confirmation_token

log = logging.getLogger(__name__)
bp = Blueprint("forms", __name__)
bp.after_app_request(i18n.remember_lang)

COMPANION_ROWS = 3
ROLE_ROWS = 3
FORM_LANGUAGES = ("nl", "en", "ar", "tr", "pap", "srn", "pl", "es", "so", "ti", "uk")
LANGUAGE_NAMES = {"nl": ("Nederlands", "Dutch"), "en": ("Engels", "English"), "ar": ("Arabisch", "Arabic"),
                  "tr": ("Turks", "Turkish"), "pap": ("Papiaments", "Papiamento"), "srn": ("Sranantongo",
                  "Sranan Tongo"), "pl": ("Pools", "Polish"), "es": ("Spaans", "Spanish"),
                  "so": ("Somalisch", "Somali"), "ti": ("Tigrinya", "Tigrinya"), "uk": ("Oekraïens", "Ukrainian")}


@bp.app_context_processor
def page_helpers():
    lang = i18n.current_lang()
    return {"t": lambda key: i18n.t(key, lang), "lang": lang, "switch_url": i18n.switch_url(),
            "other_lang": "en" if lang == "nl" else "nl", "SWITCH_FIELD": i18n.SWITCH_FIELD,
            "lang_url": lambda endpoint, **values: url_for(endpoint, **values, **i18n.lang_args(lang)),
            "csrf_token": security.csrf_token, "when": lambda d: i18n.when(d, lang),
            "theme_label": lambda c: label(THEMES, c, lang), "group_label": lambda c: label(TARGET_GROUPS, c, lang),
            "colour_label": lambda c: label(COLOURS, c, lang) if c in COLOURS else c,
            "colour_hex": lambda c: COLOURS.get(c, ("", "", "#777777"))[2], "THEMES": THEMES,
            "TARGET_GROUPS": TARGET_GROUPS, "HONEYPOT": security.HONEYPOT}


def error_page(status: int, message: str):
    lang = i18n.current_lang()
    known = {"csrf": "csrf", "closed": "closed"}
    text = i18n.t(known[message], lang) if message in known else (
        i18n.t("not_found", lang) if status == 404 else i18n.t("too_many", lang) if status == 429 else message)
    return render_template("error.html", message=text, status=status), status


def _lang_url(endpoint: str, **values):
    lang = i18n.current_lang()
    if lang != "nl":
        values["lang"] = lang
    return url_for(endpoint, **values)


@bp.get("/")
def index():
    upcoming = [m for m in store().meetings(upcoming_after=now()) if model.accepts_signups(m["status"])]
    for meeting in upcoming:
        if meeting.get("capacity"):
            meeting["places_left"] = max(0, meeting["capacity"] - meeting.get("confirmed", 0))
        meeting["presenting"] = _presenting(meeting)
    return render_template("index.html", meetings=upcoming)


def _presenting(meeting: dict) -> list[str]:
    """The names of the approved initiatives that present at an evening, for residents to see beforehand."""
    names = []
    for initiative_id in meeting.get("initiative_ids") or []:
        initiative = store().initiative(initiative_id)
        if initiative and initiative.get("status", "approved") == "approved" and initiative.get("name"):
            names.append(initiative["name"])
    return names


def _signup_form_data(form) -> dict:
    """The form's fields in the API's shape, so the same schema validates both."""
    data = {
        "name": form.get("name", "").strip(),
        "email": form.get("email", "").strip() or None,
        "phone": form.get("phone", "").strip() or None,
        "postcode": form.get("postcode", "").strip() or None,
        "preferred_channel": form.get("preferred_channel", "email"),
        "languages": [c for c in form.getlist("languages") if c in LANGUAGE_CODES],
        "interests": [c for c in form.getlist("interests") if c in THEMES],
        "consent": {"contact": form.get("consent_contact") == "yes",
                    "share_with_initiatives": form.get("consent_share") == "yes"},
        "companions": [],
        "language": i18n.current_lang(),
    }
    if not data["name"]:
        del data["name"]  # reported as "fill this in", not as a length
    for i in range(COMPANION_ROWS):
        name = form.get(f"companion_{i}_name", "").strip()
        phone = form.get(f"companion_{i}_phone", "").strip()
        if name or phone:
            data["companions"].append({"name": name, "phone": phone or None})
    return data


def _flatten_errors(messages: dict, lang: str) -> dict:
    """marshmallow's nested messages as ``{form field: [message in the user's language]}``."""
    errors = {}
    for field, value in messages.items():
        if field == "consent" and isinstance(value, dict):
            errors["consent_contact"] = [i18n.field_message(m, lang) for m in value.get("contact", [])]
        elif field == "companions" and isinstance(value, dict):
            for index, sub in value.items():
                if isinstance(sub, dict):
                    for name, msgs in sub.items():
                        errors[f"companion_{index}_{name}"] = [i18n.field_message(m, lang) for m in msgs]
        elif isinstance(value, list):
            errors[field] = [i18n.field_message(str(m), lang) for m in value]
        elif isinstance(value, dict):
            errors[field] = [i18n.field_message(str(m), lang) for msgs in value.values() for m in msgs]
    return errors


@bp.route("/meetings/<meeting_id>/aanmelden", methods=["GET", "POST"])
def sign_up(meeting_id):
    meeting = store().meeting(meeting_id)
    if meeting is None:
        abort(404)
    lang = i18n.current_lang()
    if not model.accepts_signups(meeting["status"]):
        return error_page(409, "closed")
    form, errors = MultiDict(), {}
    if request.method == "POST":
        if not security.csrf_valid():
            return error_page(400, "csrf")
        if request.form.get(i18n.SWITCH_FIELD):  # the language switch: the same form, typed values kept
            return _signup_page(meeting, request.form, {})
        if security.is_bot():
            log.info("honeypot filled; sign-up ignored")
            return error_page(400, "csrf")
        if security.over_signup_limit():
            return error_page(429, "too_many")
        form = request.form
        data = _signup_form_data(form)
        try:
            loaded = schemas.RegistrationIn().load(data)
        except ValidationError as exc:
            errors = _flatten_errors(exc.messages, lang)
        else:
            try:
                doc, created = handlers.sign_up(store(), meeting_id, loaded, cancel_url_for=cancel_url_for,
                                                 secret=person_secret(), correlation_id=correlation_id())
            except DomainError as exc:
                if not exc.fields:
                    return error_page(exc.status, exc.message)
                errors = {f: [i18n.field_message(m, lang) for m in msgs] for f, msgs in exc.fields.items()}
            else:
                if not created:  # the same person again: a neutral page, their confirmation sent again
                    handlers.resend_confirmation(store(), doc, correlation_id())
                    return render_template("already_registered.html", meeting=meeting)
                token = confirmation_token(doc["_id"])
                return redirect(_lang_url("forms.confirmation", token=token), code=303)
    return _signup_page(meeting, form, errors)


def _signup_page(meeting: dict, form, errors: dict):
    lang = i18n.current_lang()
    return render_template("signup.html", meeting=meeting, form=form, errors=errors, presenting=_presenting(meeting),
                           error_lines=summary_lines(errors, _signup_labels(lang)), lang_form="signup-form",
                           companion_rows=range(COMPANION_ROWS), languages=FORM_LANGUAGES,
                           language_names={c: n[1] if lang == "en" else n[0] for c, n in LANGUAGE_NAMES.items()}
                           ), 400 if errors else 200


def _signup_labels(lang: str) -> dict:
    labels = {"name": i18n.t("name", lang), "email": i18n.t("email", lang), "phone": i18n.t("phone", lang),
              "postcode": i18n.t("postcode", lang), "preferred_channel": i18n.t("channel_short", lang),
              "languages": i18n.t("languages_short", lang), "interests": i18n.t("interests_short", lang),
              "consent_contact": i18n.t("consent", lang)}
    for i in range(COMPANION_ROWS):
        for field in ("name", "phone", "email"):
            labels[f"companion_{i}_{field}"] = f"{i18n.t('companion', lang)} {i + 1} ({i18n.t(field, lang)})"
    return labels


def summary_lines(errors: dict, labels: dict) -> list[tuple[str, str]]:
    """The error summary: one line per message, naming its field(s) — "E-mailadres, Mobiel nummer: Vul een
    e-mailadres of een mobiel nummer in." rather than the same sentence twice without saying where."""
    by_message: dict[str, list[str]] = {}
    for name, messages in errors.items():
        for message in messages:
            by_message.setdefault(message, [])
            if name not in by_message[message]:
                by_message[message].append(name)
    return [(names[0], f"{', '.join(labels.get(n, n) for n in names)}: {message}")
            for message, names in by_message.items()]


@bp.get("/aanmelding/<token>")
def confirmation(token):
    registration_id = registration_from_confirmation_token(token)
    if registration_id is None:
        abort(404)
    registration = store().registration(registration_id)
    if registration is None:
        abort(404)
    g.person_lang = registration.get("language")
    meeting = store().meeting(registration["meeting_id"])
    companions = [store().registration(c["registration_id"]) for c in registration.get("companions", [])]
    return render_template("confirmation.html", registration=registration, meeting=meeting,
                           companions=[c for c in companions if c], over=evening_over(meeting))


@bp.route("/afmelden/<token>", methods=["GET", "POST"])
def cancel(token):
    registration_id = registration_from_cancel_token(token)
    registration = store().registration(registration_id) if registration_id else None
    if registration is None:
        return render_template("cancel.html", invalid=True), 404
    g.person_lang = registration.get("language")
    meeting = store().meeting(registration["meeting_id"])
    if request.method == "POST":
        if not security.csrf_valid():
            return error_page(400, "csrf")
        handlers.cancel_registration(store(), registration_id, correlation_id())
        return render_template("cancel.html", done=True, meeting=meeting)
    return render_template("cancel.html", meeting=meeting, registration=registration,
                           done=registration["status"] == model.CANCELLED)


def _initiative_form_data(form) -> dict:
    data = {
        "name": form.get("name", "").strip(),
        "description": form.get("description", "").strip(),
        "area": form.get("area", "").strip(),
        "contact": {"name": form.get("contact_name", "").strip(), "email": form.get("contact_email", "").strip(),
                    "phone": form.get("contact_phone", "").strip() or None},
        "themes": [c for c in form.getlist("themes") if c in THEMES],
        "target_groups": [c for c in form.getlist("target_groups") if c in TARGET_GROUPS],
        "looking_for": [c for c in form.getlist("looking_for") if c in THEMES or c in TARGET_GROUPS],
        "roles": [],
    }
    for i in range(ROLE_ROWS):
        title = form.get(f"role_{i}_title", "").strip()
        if title:
            capacity = form.get(f"role_{i}_capacity", "1").strip() or "1"
            data["roles"].append({"title": title, "description": form.get(f"role_{i}_description", "").strip(),
                                  "themes": [c for c in form.getlist(f"role_{i}_themes") if c in THEMES],
                                  "capacity": capacity})
    return data


def _initiative_labels(lang: str) -> dict:
    contact = i18n.t("contact_person", lang)
    labels = {"name": i18n.t("initiative_name", lang), "description": i18n.t("description", lang),
              "area": i18n.t("area", lang), "contact_name": f"{contact} ({i18n.t('name', lang)})",
              "contact_email": f"{contact} ({i18n.t('email', lang)})",
              "contact_phone": f"{contact} ({i18n.t('phone', lang)})", "themes": i18n.t("themes", lang),
              "target_groups": i18n.t("target_groups", lang), "looking_for": i18n.t("looking_for", lang),
              "roles": i18n.t("roles", lang)}
    for i in range(ROLE_ROWS):
        for field, key in (("title", "role_title"), ("description", "role_description"), ("capacity", "capacity"),
                           ("themes", "themes")):
            labels[f"role_{i}_{field}"] = f"{i18n.t('role', lang)} {i + 1} ({i18n.t(key, lang)})"
    return labels


def _flatten_initiative_errors(messages: dict, lang: str) -> dict:
    errors = {}
    for field, value in messages.items():
        if field == "contact" and isinstance(value, dict):
            for name, msgs in value.items():
                errors[f"contact_{name}"] = [i18n.field_message(m, lang) for m in msgs]
        elif field == "roles" and isinstance(value, dict):
            for index, sub in value.items():
                if isinstance(sub, dict):
                    for name, msgs in sub.items():
                        errors[f"role_{index}_{name}"] = [i18n.field_message(str(m), lang) for m in msgs]
        elif isinstance(value, list):
            errors[field] = [i18n.field_message(str(m), lang) for m in value]
    return errors


@bp.route("/initiatieven/aanmelden", methods=["GET", "POST"])
def initiative():
    lang = i18n.current_lang()
    form, errors, done = MultiDict(), {}, None
    if request.method == "POST":
        if not security.csrf_valid():
            return error_page(400, "csrf")
        if request.form.get(i18n.SWITCH_FIELD):  # the language switch: the same form, typed values kept
            return render_template("initiative.html", form=request.form, errors={}, done=None,
                                   role_rows=range(ROLE_ROWS), lang_form="initiative-form")
        if security.is_bot() or security.over_signup_limit():
            return error_page(429, "too_many")
        form = request.form
        try:
            loaded = schemas.InitiativeIn().load(_initiative_form_data(form))
        except ValidationError as exc:
            errors = _flatten_initiative_errors(exc.messages, lang)
        else:
            done = initiatives.register_initiative(store(), loaded, page_url_for=page_url_for, secret=person_secret(),
                                                 correlation_id=correlation_id())
    return render_template("initiative.html", form=form, errors=errors, done=done, role_rows=range(ROLE_ROWS),
                           error_lines=summary_lines(errors, _initiative_labels(lang)),
                           lang_form=None if done else "initiative-form"), 400 if errors else 200
