"""The report's read model, kept up from events: registration's own (evenings, sign-ups, arrivals, interests,
ideas, initiative pairs accepted, what became of volunteers), matching's (colours, the timetable, proposals,
answers) and notifications' (what became of each message).

It runs in the registration worker as a consumer group of its own (``registration-reports``), so a backlog of
the report's work (a rush of sign-ups, a replay from the topics' start) never holds up the door's colours,
which the worker's main group handles; and a new deployment builds the report from the topics' start.
Every handler is an idempotent write keyed by what the event is about (``adapters.reports_store``).
"""
import datetime as dt
import logging
import threading
import time

from wijkkracht import areas, topics
from wijkkracht.kafka import ConsumerLoop
from wijkkracht.worker import dispatcher

from .adapters.reports_store import ReportStore, ensure_indexes, month_of
from .domain import report as figures

log = logging.getLogger(__name__)

GROUP = "registration-reports"  # the consumer group (and its name in logs and dead letters)
CONSUMES = [topics.REGISTRATION, topics.MATCHING, topics.NOTIFICATIONS]
SETTLE_EVERY_S = 1.0  # how often the settle job looks for changed evenings
SETTLE_BUSY_EVERY_S = 3.0  # and settles one that keeps changing (the door's rush) at most this often


def _time(value) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(value)


def _store(runtime) -> ReportStore:
    return ReportStore(runtime.db)


# --- registration's events --------------------------------------------------------------------------------

def on_meeting(event, runtime):
    """meeting.scheduled / meeting.changed: the evening's header."""
    p = event.payload
    starts_at = _time(p["starts_at"])
    _store(runtime).change_evening(p["meeting_id"], {"$set": {
        "title": p["title"], "starts_at": starts_at, "month": month_of(starts_at), "area": p["area"],
        "initiative_ids": p.get("initiative_ids") or []}}, event.event_id)


def on_meeting_status(event, runtime):
    status = {"meeting.started": "started", "meeting.closed": "closed"}[event.type]
    _store(runtime).change_evening(event.payload["meeting_id"], {"$set": {"status": status}}, event.event_id)


def on_registration_created(event, runtime):
    p = event.payload
    _store(runtime).registration_seen(p["registration_id"], {
        "meeting_id": p["meeting_id"], "person_id": p["person_id"], "status": p["status"],
        "walk_in": bool(p.get("walk_in")), "area": areas.area_of(p.get("postcode"))})


def on_registration_changed(event, runtime):
    """registration.cancelled / registration.promoted. A cancellation because the person was erased is no
    cancellation in the figures: the counts stay as they were."""
    p = event.payload
    if event.type == "registration.cancelled" and p.get("reason") == "erased":
        return
    flag = "cancelled" if event.type == "registration.cancelled" else "promoted"
    _store(runtime).registration_seen(p["registration_id"], {"meeting_id": p["meeting_id"],
                                                             "person_id": p["person_id"], flag: True})


def on_checked_in(event, runtime):
    p = event.payload
    store = _store(runtime)
    registration = store.registration(p.get("registration_id")) or {}
    store.change_evening(p["meeting_id"], {"$set": {f"attended.{p['person_id']}": {
        "walk_in": bool(p.get("walk_in")), "area": registration.get("area") or areas.UNKNOWN}}}, event.event_id)


def on_checkin_undone(event, runtime):
    p = event.payload
    store = _store(runtime)
    store.change_evening(p["meeting_id"], {"$unset": {f"attended.{p['person_id']}": "",
                                                      f"tables.{p['person_id']}": ""}}, event.event_id)
    store.seat(p["person_id"], p["meeting_id"], None)


def on_interests(event, runtime):
    p = event.payload
    _store(runtime).change_evening(p["meeting_id"], {"$set": {f"interests.{p['person_id']}": p["initiative_ids"]}},
                                   event.event_id)


def on_idea_shared(event, runtime):
    """An idea left at an evening: counted per evening and theme (its text and the resident stay out)."""
    p = event.payload
    if p.get("meeting_id"):
        _store(runtime).change_evening(p["meeting_id"], {"$set": {f"ideas.{p['idea_id']}": p.get("themes") or []}},
                                       event.event_id)


def on_pair_accepted(event, runtime):
    """Both initiatives of a pair said interested: the pair counts as accepted, once."""
    p = event.payload
    a, b = sorted(p["initiative_ids"])[:2]
    _store(runtime).change_evening(p["meeting_id"], {"$set": {f"pairs_accepted.{a}:{b}": True}}, event.event_id)


def on_followed_up(event, runtime):
    """An initiative's latest word on a resident who accepted one of its roles (one key per person, initiative
    and role: an answer given later replaces one given earlier, never the reverse)."""
    p = event.payload
    key = f"{p['person_id']}:{p['initiative_id']}:{p['role_id']}"
    _store(runtime).followed_up(p["meeting_id"], key, p["outcome"], _time(event.occurred_at), event.event_id)


def on_person_erased(event, runtime):
    _store(runtime).forget_person(event.payload["person_id"])


# --- matching's events ------------------------------------------------------------------------------------

def on_colour(event, runtime):
    p = event.payload
    store = _store(runtime)
    store.seat(p["person_id"], p["meeting_id"], p["table"])
    store.change_evening(p["meeting_id"], {"$set": {f"tables.{p['person_id']}": p["table"]}}, event.event_id)


def on_schedule(event, runtime):
    """groups_met: how many tables (groups) each initiative sat with over the rounds."""
    p = event.payload
    met: dict[str, set] = {}
    for round_ in p.get("rounds") or []:
        for slot in round_.get("tables") or []:
            if slot.get("initiative_id"):
                met.setdefault(slot["initiative_id"], set()).add(slot["table"])
    _store(runtime).change_evening(p["meeting_id"], {"$set": {"groups_met": {i: len(t) for i, t in met.items()}}},
                                   event.event_id)


def on_matches_proposed(event, runtime):
    """Each resident's suggestions and each initiative pair, with their reasons (the organiser's matches
    page shows them); v2 comes in parts, each handled on its own."""
    p = event.payload
    store = _store(runtime)
    for resident in p.get("residents") or []:
        store.suggested(p["meeting_id"], resident["person_id"], [
            {"initiative_id": s["initiative_id"], "role_id": s["role_id"], "score": s.get("score"),
             "reasons": s.get("reasons") or {}} for s in resident.get("suggestions") or []])
    for pair in p.get("initiatives") or []:
        store.paired(p["meeting_id"], pair)


def on_answer(event, runtime):
    p = event.payload
    answer = figures.ACCEPTED if event.type == "match.accepted" else figures.DECLINED
    key = f"{p['person_id']}:{p['initiative_id']}:{p['role_id']}"
    _store(runtime).change_evening(p["meeting_id"], {"$set": {f"answers.{key}": answer}}, event.event_id)


# --- notifications' events --------------------------------------------------------------------------------

def on_delivery(event, runtime):
    p = event.payload
    status = event.type.split(".", 1)[1]  # sent | failed | suppressed
    _store(runtime).delivery_outcome(p["delivery_id"], {
        "meeting_id": p.get("meeting_id"), "person_id": p.get("person_id"), "initiative_id": p.get("initiative_id"),
        "kind": p["kind"], "channel": p.get("channel"), "status": status}, _time(event.occurred_at))


REPORT_HANDLERS = {
    "meeting.scheduled": [on_meeting],
    "meeting.changed": [on_meeting],
    "meeting.started": [on_meeting_status],
    "meeting.closed": [on_meeting_status],
    "registration.created": [on_registration_created],
    "registration.cancelled": [on_registration_changed],
    "registration.promoted": [on_registration_changed],
    "participant.checked_in": [on_checked_in],
    "participant.checkin_undone": [on_checkin_undone],
    "interests.recorded": [on_interests],
    "person.erased": [on_person_erased],
    "idea.shared": [on_idea_shared],
    "initiative_pair.accepted": [on_pair_accepted],
    "volunteer.followed_up": [on_followed_up],
    "colour.assigned": [on_colour],
    "schedule.published": [on_schedule],
    "matches.proposed": [on_matches_proposed],
    "match.accepted": [on_answer],
    "match.declined": [on_answer],
    "delivery.sent": [on_delivery],
    "delivery.failed": [on_delivery],
    "delivery.suppressed": [on_delivery],
}


# --- the settle job: each changed evening's digest --------------------------------------------------------

def settle_once(db, starts: dict | None = None, last: dict | None = None, every_s: float = 0.0) -> int:
    """Write the digest of every evening changed since its last one; returns how many. ``starts``: the evenings'
    start times known so far (kept by the caller across rounds: they are read once each); ``last``: when each
    evening was last settled here, so one changing all the time (the door's rush) is settled every ``every_s``."""
    store = ReportStore(db)
    starts = {} if starts is None else starts
    last = {} if last is None else last
    settled = 0
    for evening in store.dirty_evenings():
        meeting_id = evening["_id"]
        if time.monotonic() - last.get(meeting_id, -every_s) < every_s:
            continue
        last[meeting_id] = time.monotonic()
        header = evening if evening.get("starts_at") else (db.meetings.find_one({"_id": meeting_id}) or {})
        starts_at = header.get("starts_at")
        seats = store.seats_at(meeting_id)
        others = {m for s in seats.values() for m in s} - {meeting_id}
        starts.update(store.starts_of(others - set(starts)))
        earlier = {m for m in others if m in starts and starts_at is not None and _aware(starts[m]) < _aware(starts_at)}
        digest = figures.digest(evening, seats, earlier)
        digest.update(meeting_id=meeting_id, title=header.get("title") or "", starts_at=starts_at,
                      area=header.get("area") or "", month=month_of(_aware(starts_at)) if starts_at else None,
                      year=month_of(_aware(starts_at))[:4] if starts_at else None,
                      initiative_ids=header.get("initiative_ids") or [], status=evening.get("status"))
        store.settle(meeting_id, evening.get("version"), digest)
        settled += 1
    return settled


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def settle_job(runtime):
    starts: dict = {}  # evenings' start times, read again every minute (an evening that moved is seen by then)
    last: dict = {}
    rounds = 0
    while not runtime.stopping.wait(SETTLE_EVERY_S):
        rounds += 1
        try:
            if rounds % 60 == 0:
                starts.clear()
                last = {m: at for m, at in last.items() if time.monotonic() - at < SETTLE_BUSY_EVERY_S}
            settle_once(runtime.db, starts, last, SETTLE_BUSY_EVERY_S)
        except Exception as exc:  # noqa: BLE001 - the store briefly away: next round
            log.warning("report settle failed", extra={"error": repr(exc)[:300]})


def consumer_job(runtime):
    """The report's own consumer group, stopped with the worker."""
    ensure_indexes(runtime.db)
    try:
        ReportStore(runtime.db).mend_directory()
    except Exception as exc:  # noqa: BLE001 - the store briefly away: an evening not listed is read by its id
        log.warning("report directory not mended", extra={"error": repr(exc)[:300]})
    loop = ConsumerLoop(GROUP, CONSUMES, dispatcher(REPORT_HANDLERS, runtime), runtime.producer)
    threading.Thread(target=lambda: (runtime.stopping.wait(), loop.stop()), name="report-stop", daemon=True).start()
    loop.run()
