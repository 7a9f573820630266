"""The organiser's pages: login, the evenings with their lifecycle buttons, and the door.

At the door a volunteer finds a resident by name, code or the last digits of their phone (or signs up a walk-in,
asking their consent) and checks them in, or takes a mistaken check-in back; the colour from matching appears
on every door screen as soon as it is stored (a long poll, door_push.py; a refresh link without JS).
"""
import datetime as dt

from flask import (Blueprint, abort, current_app, flash, jsonify, make_response, redirect, render_template, request,
                   url_for)
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from .. import handlers
from ..domain import model
from ..domain.errors import DomainError
from ..domain.vocabulary import COLOURS, label
from . import door_push, i18n, schemas, security
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


# --- the door (H5): search, check-in, undo, walk-ins, the screens kept up to date --------------------------

def _door_context(meeting_id: str, results=None, query: str = "", searched_by=(), walk_in_form=None,
                  walk_in_errors=None):
    meeting = store().meeting(meeting_id)
    if meeting is None:
        abort(404)
    version = store().door_version(meeting_id)  # before the arrivals: a change in between is pushed after
    lang = i18n.current_lang()
    return dict(meeting=meeting, results=results, query=query, searched_by=list(searched_by),
                colour_labels={c: label(COLOURS, c, lang) for c in COLOURS},
                arrivals=_arrivals(meeting_id), version=version,
                walk_in_form=walk_in_form or MultiDict(), walk_in_errors=walk_in_errors or {},
                confirmed=handlers.confirmed_count(store(), meeting),
                initiatives=[store().initiative(i) for i in meeting.get("initiative_ids", [])])


def _arrivals(meeting_id: str) -> list[dict]:
    colours = store().colours(meeting_id)
    return [{"person_id": c["person_id"], "name": c["name"], "code": c.get("code"), "walk_in": c.get("walk_in"),
             "checked_in_at": c["checked_in_at"], "colour": colours.get(c["person_id"], {}).get("colour"),
             "table": colours.get(c["person_id"], {}).get("table")} for c in store().checkins(meeting_id)]


def _wants_json() -> bool:
    """The door page's script asks for JSON; without JavaScript a form post gets the page again."""
    return request.accept_mimetypes.best_match(["application/json", "text/html"]) == "application/json"


@bp.get("/deur/<meeting_id>")
@security.organiser_required
def door(meeting_id):
    response = make_response(render_template("door.html", **_door_context(meeting_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/deur/<meeting_id>/zoeken")
@security.organiser_required
def search(meeting_id):
    # Without JavaScript: a POST, so what is typed at the door never ends up in a URL. The page's script
    # uses GET /api/v1/meetings/<id>/registrations?q= (the same search).
    query = request.form.get("q", "").strip()[:100]
    results = handlers.find_at_door(store(), meeting_id, query, person_secret())
    return render_template("door.html", **_door_context(meeting_id, results=results, query=query,
                                                        searched_by=handlers.searched_by(query)))


def _done(meeting_id: str, message: str, body: dict | None = None, status: int = 200):
    if _wants_json():
        return jsonify({"message": message, **(body or {})}), status
    flash(message)
    return redirect(url_for("door.door", meeting_id=meeting_id, lang=_lang_arg()), code=303)


@bp.post("/deur/<meeting_id>/inchecken")
@security.organiser_required
def check_in(meeting_id):
    registration_id = request.form.get("registration_id", "")[:64]
    try:
        doc, _ = handlers.check_in(store(), meeting_id, registration_id=registration_id,
                                   correlation_id=correlation_id())
    except DomainError as exc:
        return _done(meeting_id, exc.message, {"error": exc.code}, exc.status)
    return _done(meeting_id, f"{i18n.t('checked_in')}: {doc['name']}",
                 {"person_id": doc["person_id"], "name": doc["name"], "code": doc.get("code")})


@bp.post("/deur/<meeting_id>/ongedaan/<person_id>")
@security.organiser_required
def undo(meeting_id, person_id):
    checkin = store().checkin(meeting_id, person_id[:64])
    if checkin is None or not handlers.undo_check_in(store(), meeting_id, person_id[:64], correlation_id()):
        return _done(meeting_id, i18n.t("undo_not_checked_in"), {"error": "not_checked_in"}, 409)
    return _done(meeting_id, f"{i18n.t('undone')}: {checkin['name']}", {"person_id": person_id})


YES_NO = ("yes", "no")


def _walk_in_data(form, lang: str) -> tuple[dict, dict]:
    """The walk-in's fields and the errors in them: a name, and both consent questions answered."""
    contact, share = form.get("consent_contact"), form.get("consent_share")
    errors = {}
    if not form.get("name", "").strip():
        errors["name"] = [i18n.field_message("Missing data for required field.", lang)]
    if contact not in YES_NO:
        errors["consent_contact"] = [i18n.t("walk_in_ask_contact", lang)]
    if share not in YES_NO:
        errors["consent_share"] = [i18n.t("walk_in_ask_share", lang)]
    # Without their yes to messages we keep no way to reach them.
    email = form.get("email", "").strip() if contact == "yes" else ""
    phone = form.get("phone", "").strip() if contact == "yes" else ""
    data = {"name": form.get("name", "").strip(), "email": email or None, "phone": phone or None,
            "preferred_channel": "sms" if phone and not email else "email"}
    try:
        data = schemas.CheckinIn(exclude=("consent",)).load(data)
    except ValidationError as exc:
        errors.update({f: [i18n.field_message(str(m), lang) for m in msgs] for f, msgs in exc.messages.items()
                       if isinstance(msgs, list) and f not in errors})
    data["consent"] = {"contact": contact == "yes", "share_with_initiatives": share == "yes"}
    return data, errors


@bp.post("/deur/<meeting_id>/binnenloper")
@security.organiser_required
def walk_in(meeting_id):
    lang = i18n.current_lang()
    data, errors = _walk_in_data(request.form, lang)
    if errors:
        return render_template("door.html", **_door_context(meeting_id, walk_in_form=request.form,
                                                            walk_in_errors=errors)), 400
    try:
        doc, _ = handlers.check_in(store(), meeting_id, walk_in=data, cancel_url_for=cancel_url_for,
                                   secret=person_secret(), correlation_id=correlation_id())
        flash(f"{i18n.t('checked_in')}: {doc['name']}")
    except DomainError as exc:
        flash(exc.message)
    return redirect(url_for("door.door", meeting_id=meeting_id, lang=_lang_arg()), code=303)


# Changes a screen applies by themselves; after anything else (an arrival) it gets the whole list.
PUSHED_ALONE = ("colour", "undo")


def _arrivals_json(meeting_id: str) -> list[dict]:
    arrivals = _arrivals(meeting_id)
    for a in arrivals:
        a["checked_in_at"] = a["checked_in_at"].astimezone(dt.timezone.utc).isoformat()
    return arrivals


@bp.get("/deur/<meeting_id>/aankomsten.json")
@security.organiser_required
def arrivals_json(meeting_id):
    """What door screens wait on: ``{version, arrivals}``, the arrivals and their colours. With ``since`` (the
    ``version`` of the last answer) it answers when something changed at the door, or after ``wait`` seconds (at
    most 10); a colour or an undo then comes alone, as ``{version, changes: [{kind, person_id, colour?,
    table?}]}``."""
    if store().meeting(meeting_id) is None:
        abort(404)
    since = request.args.get("since", type=int)
    watch = door_push.door_watch(current_app, store())
    (version, last), retry_ms, changes = store().door_state(meeting_id), 0, None
    if since is not None and since == version:
        wait_s = min(request.args.get("wait", default=door_push.LONGEST_WAIT_S, type=float), door_push.LONGEST_WAIT_S)
        waited = watch.wait(meeting_id, since, wait_s)
        if waited is None:
            retry_ms = 1000  # too many screens wait in this process already: come back in a second
        else:
            version = waited
            changes = watch.changes(meeting_id, since, version)
    elif since is not None and version == since + 1 and last:
        changes = [last]
    if changes and all(c.get("kind") in PUSHED_ALONE for c in changes):
        response = jsonify({"version": version, "changes": changes, "retry_ms": retry_ms})
    else:
        arrivals = watch.snapshot(meeting_id, version, lambda: _arrivals_json(meeting_id))
        response = jsonify({"version": version, "arrivals": arrivals, "retry_ms": retry_ms})
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
