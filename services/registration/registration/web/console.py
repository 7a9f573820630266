"""The organiser's console: the evenings (upcoming first, each with only its next step), creating and editing
an evening in local time, a confirmation before the irreversible close, and the queue of initiatives that
wait for approval. Server-rendered, works without JavaScript; Dutch by default, ``lang=en`` kept on every
link, form and redirect."""
import datetime as dt
import re
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from .. import config, handlers, initiatives
from ..adapters.store import now
from ..domain import model
from ..domain.errors import DomainError
from . import i18n, schemas, security
from .initiative_page import page_url_for
from .runtime import correlation_id, store

bp = Blueprint("console", __name__)

# The one step that makes sense next, per status; a closed evening has none.
NEXT_STEP = {model.SCHEDULED: "open_checkin", model.CHECKIN_OPEN: "start", model.STARTED: "close"}
FORM_FIELDS = ("title", "date", "time", "venue", "address", "area", "partners", "initiative_ids", "capacity",
               "group_size", "slot_minutes", "max_minutes")
NUMBER_FIELDS = ("capacity", "group_size", "slot_minutes", "max_minutes")
UPCOMING_LIMIT, PAST_LIMIT = 50, 20
TIME = re.compile(r"^\s*([01]?\d|2[0-3])[:.]([0-5]\d)\s*$")


def _lang_arg():
    lang = i18n.current_lang()
    return lang if lang != "nl" else None


def _to(endpoint: str, **values):
    return redirect(url_for(endpoint, lang=_lang_arg(), **values), code=303)


def local_zone() -> ZoneInfo:
    return ZoneInfo(config.timezone())


def endpoint_url(endpoint: str, **values) -> str | None:
    """A link to another helper's page when that page exists in this build (the programme, the matches)."""
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, lang=_lang_arg(), **values)


# --- the list ------------------------------------------------------------------------------------------

def start_of_day(at: dt.datetime) -> dt.datetime:
    return at.astimezone(local_zone()).replace(hour=0, minute=0, second=0, microsecond=0)


def split_evenings(meetings: list[dict], at: dt.datetime) -> tuple[list[dict], list[dict]]:
    """Upcoming (from the start of today, local time, or still running) soonest first; past ones latest first."""
    today = start_of_day(at)
    upcoming, past = [], []
    for m in meetings:
        running = m["status"] in (model.CHECKIN_OPEN, model.STARTED)
        (upcoming if running or (m["starts_at"] >= today and m["status"] != model.CLOSED) else past).append(m)
    upcoming.sort(key=lambda m: m["starts_at"])
    past.sort(key=lambda m: m["starts_at"], reverse=True)
    return upcoming, past


def console_page():
    """GET /organisator (the route lives in door.py, where the login sends organisers)."""
    today = start_of_day(now())
    all_past = request.args.get("eerder") == "alle"
    # Two short reads (the soonest to come, the latest past), so neither crowds the other out of the list and
    # the page stays quick however many evenings the store holds.
    meetings = (store().meetings(upcoming_after=today, limit=UPCOMING_LIMIT)
                + store().meetings_before(today, limit=200 if all_past else PAST_LIMIT))
    for m in meetings:
        m["confirmed"] = handlers.confirmed_count(store(), m)
        m["checked_in"] = handlers.arrivals_count(store(), m)
        m["next_step"] = NEXT_STEP.get(m["status"])
        m["programme_url"] = (endpoint_url("programme.programme", meeting_id=m["_id"])
                              if m["status"] in (model.STARTED, model.CLOSED) else None)
        m["matches_url"] = (endpoint_url("matches.matches", meeting_id=m["_id"])
                            if m["status"] == model.CLOSED else None)
    upcoming, past = split_evenings(meetings, now())
    pending = store().pending_initiatives()
    return render_template("console.html", upcoming=upcoming, past=past, pending_count=len(pending),
                           more_past=not all_past and len(past) >= PAST_LIMIT)


# --- lifecycle steps ---------------------------------------------------------------------------------------

DOMAIN_PATTERNS = [
    (re.compile(r"^An evening that is (\w+) cannot ([\w ]+)\.$"), "err_cannot"),
    (re.compile(r"^This evening is already (\w+)\.$"), "err_already"),
]


def domain_message(exc: DomainError, lang: str) -> str:
    """A domain error's English text in the console's language (the API keeps the English one)."""
    for pattern, key in DOMAIN_PATTERNS:
        match = pattern.match(exc.message)
        if match:
            status = i18n.t("status_" + match.group(1), lang)
            if key == "err_cannot":
                step = i18n.t(match.group(2).replace(" ", "_"), lang)
                return i18n.t(key, lang).format(status=status, step=step)
            return i18n.t(key, lang).format(status=status)
    known = {"A closed evening can no longer be changed.": "err_closed_edit",
             "No evening with this id.": "not_found", "No initiative with this id.": "not_found",
             "Some initiatives are not approved yet.": "err_not_approved"}
    return i18n.t(known[exc.message], lang) if exc.message in known else i18n.t("err_generic", lang)


@bp.post("/organisator/avonden/<meeting_id>/stap/<command>")
@security.organiser_required
def step(meeting_id, command):
    """One lifecycle step from the console; closing needs the confirmation page's ``confirm=yes``."""
    if command not in model.TRANSITIONS:
        abort(404)
    if command == "close" and request.form.get("confirm") != "yes":
        return _to("console.confirm_close", meeting_id=meeting_id)
    lang = i18n.current_lang()
    try:
        meeting = handlers.advance_meeting(store(), meeting_id, command, correlation_id())
    except DomainError as exc:
        flash(domain_message(exc, lang))
    else:
        flash(i18n.t("step_done_" + command, lang).format(title=meeting["title"]))
    return _to("door.console")


@bp.get("/organisator/avonden/<meeting_id>/afsluiten")
@security.organiser_required
def confirm_close(meeting_id):
    meeting = store().meeting(meeting_id)
    if meeting is None:
        abort(404)
    return render_template("console_close.html", meeting=meeting,
                           confirmed=handlers.confirmed_count(store(), meeting),
                           checked_in=handlers.arrivals_count(store(), meeting))


# --- create and edit ---------------------------------------------------------------------------------------

def form_of(meeting: dict) -> MultiDict:
    """An evening as the form shows it: its date and time in local time."""
    local = meeting["starts_at"].astimezone(local_zone())
    pairs = [("title", meeting["title"]), ("date", local.strftime("%Y-%m-%d")), ("time", local.strftime("%H:%M")),
             ("venue", meeting["venue"]), ("address", meeting.get("address") or ""), ("area", meeting["area"]),
             ("partners", "\n".join(meeting.get("partners") or []))]
    pairs += [("initiative_ids", i) for i in meeting.get("initiative_ids") or []]
    pairs += [(f, "" if meeting.get(f) is None else str(meeting[f])) for f in NUMBER_FIELDS]
    return MultiDict(pairs)


def parse_date(text: str) -> dt.date | None:
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"):
        try:
            day = dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        return day if 2000 <= day.year <= 2100 else None  # a typo of a year, not an evening
    return None


def why(message: str, lang: str) -> str:
    """marshmallow's English reason as a short sentence in the page's language."""
    en = lang == "en"
    between = re.match(r"^Must be greater than or equal to (\d+) and less than or equal to (\d+)\.$", message)
    if between:
        low, high = between.groups()
        return f"choose a number from {low} to {high}." if en else f"kies een getal van {low} tot en met {high}."
    length = re.match(r"^(?:Length must be between (\d+) and (\d+)|Longer than maximum length (\d+))\.$", message)
    if length:
        high = length.group(2) or length.group(3)
        return f"fill this in, at most {high} characters." if en else f"vul dit in, hooguit {high} tekens."
    if message in ("Not a valid integer.", "Not a valid number."):
        return "fill in a whole number, e.g. 40." if en else "vul een heel getal in, bijvoorbeeld 40."
    if message in ("Missing data for required field.", "Field may not be null."):
        return "please fill this in." if en else "vul dit in."
    if message == "not_approved":
        return "choose approved initiatives only." if en else "kies alleen goedgekeurde initiatieven."
    text = i18n.field_message(message, lang)
    return text[0].lower() + text[1:]


def labelled(field: str, reason: str, lang: str) -> str:
    """Every message names its field: "Titel: vul dit in." """
    return f"{i18n.t('ev_' + field, lang)}: {reason}"


def read_form(form, lang: str, existing: dict | None = None) -> tuple[dict, dict]:
    """The typed form as the API's body, or the errors per field (each naming the field, in ``lang``)."""
    reasons: dict[str, list[str]] = {}
    data: dict = {}
    for name in ("title", "venue", "area", "address"):
        value = form.get(name, "").strip()
        if value or name == "address":
            data[name] = value or None
    data["partners"] = [p.strip() for p in form.get("partners", "").splitlines() if p.strip()]
    data["initiative_ids"] = list(dict.fromkeys(form.getlist("initiative_ids")))
    for name in NUMBER_FIELDS:
        value = form.get(name, "").strip()
        if value:
            data[name] = value
        elif name in ("capacity", "max_minutes"):
            data[name] = None
    date, time_text = parse_date(form.get("date", "")), form.get("time", "")
    if not form.get("date", "").strip():
        reasons["date"] = ["fill in the date, e.g. 14-01-2027." if lang == "en" else
                           "vul de datum in, bijvoorbeeld 14-01-2027."]
    elif date is None:
        reasons["date"] = ["this is not a date; write it as 14-01-2027." if lang == "en" else
                           "dit is geen datum; schrijf hem als 14-01-2027."]
    elif existing is None and date < now().astimezone(local_zone()).date():
        reasons["date"] = ["this date has passed." if lang == "en" else "deze datum is al voorbij."]
    clock = TIME.match(time_text)
    if not time_text.strip():
        reasons["time"] = ["fill in the starting time, e.g. 19:30." if lang == "en" else
                           "vul de begintijd in, bijvoorbeeld 19:30."]
    elif clock is None:
        reasons["time"] = ["this is not a time; write it as 19:30." if lang == "en" else
                           "dit is geen tijd; schrijf hem als 19:30."]
    if "date" not in reasons and "time" not in reasons:
        local = dt.datetime.combine(date, dt.time(int(clock.group(1)), int(clock.group(2))), tzinfo=local_zone())
        data["starts_at"] = local.isoformat()
    try:
        loaded = schemas.MeetingIn(exclude=() if "starts_at" in data else ("starts_at",)).load(data)
    except ValidationError as exc:
        loaded = {}
        for field, messages in exc.messages.items():
            target = "partners" if field == "partners" else field
            flat = messages if isinstance(messages, list) else [m for ms in messages.values() for m in ms]
            reasons.setdefault(target, []).extend(why(str(m), lang) for m in flat[:1])
    offered = {i["_id"] for i in store().initiatives(approved_only=True)} | set((existing or {}).get(
        "initiative_ids") or [])
    if any(i not in offered for i in data["initiative_ids"]):
        reasons.setdefault("initiative_ids", []).append(why("not_approved", lang))
    errors = {f: [labelled(f, r, lang) for r in rs] for f, rs in reasons.items()}
    return loaded, errors


def presenters_first(initiatives: list[dict], chosen: set[str], area: str) -> list[dict]:
    """The evening form's list: the initiatives already chosen, then those of the evening's area, then the
    rest, each by name — so with many approved initiatives the likely ones are at the top."""
    area = area.strip().casefold()

    def rank(doc):
        local = bool(area) and (doc.get("area") or "").strip().casefold() == area
        return (doc["_id"] not in chosen, not local, doc["name"].casefold())
    return sorted(initiatives, key=rank)


def _form_page(template_form, errors, meeting=None):
    lang = i18n.current_lang()
    chosen = set(template_form.getlist("initiative_ids"))
    initiatives = store().initiatives(approved_only=True)
    known = {i["_id"] for i in initiatives}
    initiatives += [i for i in (store().initiative(x) for x in chosen - known) if i]
    initiatives = presenters_first(initiatives, chosen, template_form.get("area", ""))
    ordered = [f for f in FORM_FIELDS if f in errors]
    return render_template("console_evening.html", form=template_form, errors=errors, meeting=meeting,
                           initiatives=initiatives, chosen=chosen, error_order=ordered,
                           zone=config.timezone(), lang=lang), 400 if errors else 200


@bp.route("/organisator/avonden/nieuw", methods=["GET", "POST"])
@security.organiser_required
def new_evening():
    if request.method == "GET":
        return _form_page(MultiDict([("group_size", "6"), ("slot_minutes", "20")]), {})
    lang = i18n.current_lang()
    loaded, errors = read_form(request.form, lang)
    if not errors:
        try:
            meeting = handlers.schedule_meeting(store(), loaded, correlation_id())
        except DomainError as exc:
            errors = {"initiative_ids": [labelled("initiative_ids", why("not_approved", lang), lang)]} \
                if exc.fields.get("initiative_ids") else {"title": [domain_message(exc, lang)]}
        else:
            flash(i18n.t("evening_created", lang).format(title=meeting["title"]))
            return _to("door.console")
    return _form_page(request.form, errors)


@bp.route("/organisator/avonden/<meeting_id>/bewerken", methods=["GET", "POST"])
@security.organiser_required
def edit_evening(meeting_id):
    meeting = store().meeting(meeting_id)
    if meeting is None:
        abort(404)
    lang = i18n.current_lang()
    if meeting["status"] == model.CLOSED:
        flash(i18n.t("err_closed_edit", lang))
        return _to("door.console")
    if request.method == "GET":
        return _form_page(form_of(meeting), {}, meeting)
    loaded, errors = read_form(request.form, lang, existing=meeting)
    if not errors:
        changes = {f: v for f, v in loaded.items() if f in model.EDITABLE_MEETING_FIELDS}
        try:
            handlers.change_meeting(store(), meeting_id, changes, correlation_id())
        except DomainError as exc:
            flash(domain_message(exc, lang))
            return _to("door.console")
        flash(i18n.t("evening_saved", lang).format(title=loaded["title"]))
        return _to("door.console")
    return _form_page(request.form, errors, meeting)


# --- initiatives waiting for approval ---------------------------------------------------------------------

@bp.get("/organisator/initiatieven")
@security.organiser_required
def approvals():
    return render_template("console_approvals.html", pending=store().pending_initiatives())


@bp.post("/organisator/initiatieven/<initiative_id>/goedkeuren")
@security.organiser_required
def approve(initiative_id):
    lang = i18n.current_lang()
    try:
        done = initiatives.approve_initiative(store(), initiative_id, page_url_for=page_url_for,
                                             correlation_id=correlation_id())
    except DomainError as exc:
        flash(domain_message(exc, lang))
    else:
        flash(i18n.t("initiative_approved", lang).format(name=done["name"]))
    return _to("console.approvals")
