"""The public pages: upcoming evenings, the residents' and initiatives' forms, confirmation and cancel links.

Server-rendered, no JavaScript needed; Dutch by default, ``?lang=en`` for English. Every POST carries a
CSRF token; sign-ups also pass a honeypot and a per-address rate limit.
"""
import logging

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from .. import handlers, initiatives
from ..adapters.store import now
from ..domain import model
from ..domain.errors import DomainError
from ..domain.vocabulary import COLOURS, LANGUAGE_CODES, TARGET_GROUPS, THEMES, label
from . import i18n, initiative_fields, schemas, security
from .api import cancel_url_for
from .initiative_page import page_url_for
from .runtime import correlation_id, person_secret, store
from .tokens import confirmation_token, evening_over, registration_from_cancel_token, registration_from_confirmation_token

log = logging.getLogger(__name__)
bp = Blueprint("forms", __name__)
bp.after_app_request(i18n.remember_lang)

COMPANION_ROWS = 3
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


# --- the initiatives' form ------------------------------------------------------------------------------------
# What it does, for whom, what it looks for and its roles are initiative_fields' (the same as on its own page's
# edit form); this form adds the name, the contact and the pitch, and starts with ROLE_ROWS role rows.
ROLE_ROWS = 2
# The confirmation's address stays in the browser's history: it shows what was registered for an hour.
REGISTERED_SALT = "initiative.registered"
REGISTERED_MAX_AGE_S = 3600


def _initiative_form_data(form) -> dict:
    """The form's fields in the API's shape, so InitiativeIn validates both."""
    contact = {"name": form.get("contact_name", "").strip(), "email": form.get("contact_email", "").strip() or None,
               "phone": form.get("contact_phone", "").strip() or None}
    data = {"name": form.get("name", "").strip(), **initiative_fields.data_of(form),
            "contact": {k: v for k, v in contact.items() if k != "name" or v},
            "pitch": form.get("pitch") == "yes", "language": i18n.current_lang()}
    if not data["name"]:
        del data["name"]
    return data


def _initiative_labels(lang: str, rows: int) -> dict:
    """How the error summary names each field: "Naam van het initiatief", "Contactpersoon – naam"."""
    def contact(field):
        return i18n.t("if_label_contact", lang).format(field=i18n.t(f"if_short_{field}", lang))

    return {**initiative_fields.labels(lang, rows), "name": i18n.t("initiative_name", lang),
            "contact_name": contact("name"), "contact_email": contact("email"), "contact_phone": contact("phone"),
            "pitch": i18n.t("if_pitch_legend", lang)}


def _initiative_page(form, errors: dict):
    lang = i18n.current_lang()
    rows = initiative_fields.row_count(form, ROLE_ROWS)
    return render_template("initiative.html", form=form, errors=errors, role_rows=range(rows),
                           error_lines=summary_lines(errors, _initiative_labels(lang, rows)),
                           lang_form="initiative-form"), 400 if errors else 200


def _registered_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["LINK_SECRET"], salt=REGISTERED_SALT)


@bp.route("/initiatieven/aanmelden", methods=["GET", "POST"])
def initiative():
    lang = i18n.current_lang()
    if request.method == "GET":
        return _initiative_page(MultiDict(), {})
    if not security.csrf_valid():
        return error_page(400, "csrf")
    form = request.form
    if form.get(i18n.SWITCH_FIELD):  # the language switch: the same form, typed values kept
        return _initiative_page(form, {})
    if form.get("add_role"):  # one more role row, everything kept, nothing checked yet
        return _initiative_page(initiative_fields.with_added_row(form, ROLE_ROWS), {})
    if security.is_bot() or security.over_signup_limit():
        return error_page(429, "too_many")
    try:
        loaded = schemas.InitiativeIn().load(_initiative_form_data(form))
    except ValidationError as exc:
        return _initiative_page(form, initiative_fields.errors_of(exc.messages, lang,
                                                                  initiative_fields.filled_rows(form)))
    done = initiatives.register_initiative(store(), loaded, page_url_for=page_url_for, secret=person_secret(),
                                           correlation_id=correlation_id())
    token = _registered_serializer().dumps(done["_id"])
    return redirect(_lang_url("forms.initiative_registered", token=token), code=303)


@bp.get("/initiatieven/aangemeld/<token>")
def initiative_registered(token):
    """What the form registered: its name, a reference, its status and roles. Never the page's link: that goes
    to the contact only (by email, or SMS if they gave only a phone)."""
    try:
        initiative_id = _registered_serializer().loads(token, max_age=REGISTERED_MAX_AGE_S)
    except BadSignature:
        abort(404)
    found = store().initiative(initiative_id) if isinstance(initiative_id, str) else None
    if found is None:
        abort(404)
    g.person_lang = found.get("language")
    contact = found.get("contact") or {}
    return render_template("initiative_registered.html", initiative=found, reference=found["_id"][:8].upper(),
                           status=found.get("status", initiatives.APPROVED),
                           sent_by="email" if contact.get("email") or not contact.get("phone") else "sms")
