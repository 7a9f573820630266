"""The organiser's pages: login, the evenings with their lifecycle buttons, and the door.

At the door a volunteer finds a resident by name or code (or signs up a walk-in) and checks them in; the
colour from matching appears beside the arrival by itself (a small poll; a refresh link without JS).
"""
import datetime as dt

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, session, url_for
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from .. import handlers
from ..domain import model
from ..domain.errors import DomainError
from . import i18n, schemas, security
from .api import cancel_url_for
from .passwords import verify
from .runtime import correlation_id, person_secret, store

bp = Blueprint("door", __name__)
SESSION_HOURS = 12


def _safe_next(target: str | None) -> str:
    return security.safe_path(target, url_for("door.console"))


@bp.route("/inloggen", methods=["GET", "POST"])
def login():
    error, status = None, 200
    if request.method == "POST":
        if not security.csrf_valid():
            abort(400, "csrf")
        email = request.form.get("email", "").strip().lower()[:254]
        password = request.form.get("password", "")[:1000]
        if not security.take_login_attempt(email):
            error, status = i18n.t("too_many"), 429
        else:
            account = store().account(email) if email else None
            if verify(account["password_hash"] if account else None, password):
                security.login_succeeded(email)
                security.start_session(email)
                return redirect(_safe_next(request.args.get("next")), code=303)
            error, status = i18n.t("login_failed"), 401
    return render_template("login.html", error=error), status


@bp.post("/uitloggen")
def logout():
    if security.csrf_valid():
        security.end_session()
    return redirect(url_for("door.login"), code=303)


@bp.get("/organisator")
@security.organiser_required
def console():
    from .console import console_page  # the evenings' list and their steps live in console.py
    return console_page()


@bp.post("/organisator/<meeting_id>/<command>")
@security.organiser_required
def advance(meeting_id, command):
    if command not in model.TRANSITIONS:
        abort(404)
    try:
        handlers.advance_meeting(store(), meeting_id, command, correlation_id())
    except DomainError as exc:
        flash(exc.message)
    return redirect(_safe_next(request.form.get("back")), code=303)


def _door_context(meeting_id: str, results=None, query: str = "", walk_in_form=None, walk_in_errors=None):
    meeting = store().meeting(meeting_id)
    if meeting is None:
        abort(404)
    return dict(meeting=meeting, results=results, query=query, arrivals=_arrivals(meeting_id),
                walk_in_form=walk_in_form or MultiDict(), walk_in_errors=walk_in_errors or {},
                confirmed=handlers.confirmed_count(store(), meeting),
                initiatives=[store().initiative(i) for i in meeting.get("initiative_ids", [])])


def _arrivals(meeting_id: str) -> list[dict]:
    colours = store().colours(meeting_id)
    return [{"person_id": c["person_id"], "name": c["name"], "code": c.get("code"), "walk_in": c.get("walk_in"),
             "checked_in_at": c["checked_in_at"], "colour": colours.get(c["person_id"], {}).get("colour"),
             "table": colours.get(c["person_id"], {}).get("table")} for c in store().checkins(meeting_id)]


@bp.get("/deur/<meeting_id>")
@security.organiser_required
def door(meeting_id):
    return render_template("door.html", **_door_context(meeting_id))


@bp.post("/deur/<meeting_id>/zoeken")
@security.organiser_required
def search(meeting_id):
    # A POST, so names typed at the door never end up in a URL or an access log.
    query = request.form.get("q", "").strip()[:100]
    results = handlers.find_at_door(store(), meeting_id, query)
    checked = {a["person_id"] for a in _arrivals(meeting_id)}
    for r in results:
        r["checked_in"] = r["person_id"] in checked
    return render_template("door.html", **_door_context(meeting_id, results=results, query=query))


@bp.post("/deur/<meeting_id>/inchecken")
@security.organiser_required
def check_in(meeting_id):
    registration_id = request.form.get("registration_id", "")[:64]
    try:
        doc, _ = handlers.check_in(store(), meeting_id, registration_id=registration_id,
                                   correlation_id=correlation_id())
        flash(f"{i18n.t('checked_in')}: {doc['name']}")
    except DomainError as exc:
        flash(exc.message)
    return redirect(url_for("door.door", meeting_id=meeting_id, lang=_lang_arg()), code=303)


@bp.post("/deur/<meeting_id>/binnenloper")
@security.organiser_required
def walk_in(meeting_id):
    lang = i18n.current_lang()
    form = request.form
    data = {"name": form.get("name", "").strip(), "email": form.get("email", "").strip() or None,
            "phone": form.get("phone", "").strip() or None,
            "preferred_channel": "sms" if form.get("phone", "").strip() and not form.get("email", "").strip()
            else "email",
            "consent": {"contact": form.get("consent_contact") == "yes", "share_with_initiatives": False}}
    errors = {}
    if not data["name"]:
        errors["name"] = [i18n.field_message("Missing data for required field.", lang)]
    try:
        loaded = schemas.CheckinIn(exclude=("consent",)).load({k: v for k, v in data.items() if k != "consent"})
    except ValidationError as exc:
        errors.update({f: [i18n.field_message(str(m), lang) for m in msgs] for f, msgs in exc.messages.items()
                       if isinstance(msgs, list)})
    if errors:
        return render_template("door.html", **_door_context(meeting_id, walk_in_form=form,
                                                            walk_in_errors=errors)), 400
    loaded["consent"] = data["consent"]
    try:
        doc, _ = handlers.check_in(store(), meeting_id, walk_in=loaded, cancel_url_for=cancel_url_for,
                                   secret=person_secret(), correlation_id=correlation_id())
        flash(f"{i18n.t('checked_in')}: {doc['name']}")
    except DomainError as exc:
        flash(exc.message)
    return redirect(url_for("door.door", meeting_id=meeting_id, lang=_lang_arg()), code=303)


@bp.get("/deur/<meeting_id>/aankomsten.json")
@security.organiser_required
def arrivals_json(meeting_id):
    """What the door page polls: the arrivals and their colours."""
    if store().meeting(meeting_id) is None:
        abort(404)
    arrivals = _arrivals(meeting_id)
    for a in arrivals:
        a["checked_in_at"] = a["checked_in_at"].astimezone(dt.timezone.utc).isoformat()
    response = jsonify({"arrivals": arrivals})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/deur/<meeting_id>/interesse/<person_id>", methods=["GET", "POST"])
@security.organiser_required
def interests(meeting_id, person_id):
    meeting = store().meeting(meeting_id)
    registration = store().registration_of(meeting_id, person_id)
    if meeting is None or registration is None:
        abort(404)
    initiatives = [i for i in (store().initiative(x) for x in meeting.get("initiative_ids", [])) if i]
    if request.method == "POST":
        chosen = [i for i in request.form.getlist("initiative_ids") if i in {x["_id"] for x in initiatives}]
        handlers.record_interests(store(), meeting_id, person_id, chosen, correlation_id())
        flash(i18n.t("saved"))
        return redirect(url_for("door.door", meeting_id=meeting_id, lang=_lang_arg()), code=303)
    current = next((i["initiative_ids"] for i in store().interests_of_person(person_id)
                    if i["meeting_id"] == meeting_id), [])
    return render_template("interests.html", meeting=meeting, registration=registration, initiatives=initiatives,
                           current=current)


def _lang_arg():
    lang = i18n.current_lang()
    return lang if lang != "nl" else None
