"""Use cases: one plain function per event or command. Each makes its effect durable and idempotent.

Registration's events build matching's read model (set-style upserts: applying one twice changes nothing).
The decisions — a colour at check-in, the timetable at the start, the proposals at closing, a resident's
answer — each write their state and their event in one single-document write whose filter holds what the
decision depends on, so a redelivered event (or a concurrent one) finds the work done and changes nothing.
"""
import dataclasses
import datetime as dt
import json
import logging
import uuid

from prometheus_client import Histogram

from wijkkracht.areas import area_of
from wijkkracht.events import Event, new_event
from wijkkracht.kafka import Retry

from . import SERVICE, config, links
from .adapters import store
from .assignment import solve
from .domain import colours, matchmaking, timetable

log = logging.getLogger(__name__)

COLOUR_SECONDS = Histogram("matching_colour_assignment_seconds", "Check-in event handled → colour stored")


def _event(event_type: str, payload: dict, key: str, cause: Event | None, part: int | str | None = None) -> dict:
    """An event caused by ``cause``; its id is derived from the cause's (and the part's, when a cause has
    several), so however often a redelivered event is handled, what it causes carries one id (the outbox keeps
    events by id, consumers deduplicate by it)."""
    envelope = new_event(event_type, payload, key=key, producer=SERVICE,
                         correlation_id=cause.correlation_id if cause else None)
    if cause is not None:
        name = f"wijkkracht:{cause.event_id}:{event_type}" + (f":{part}" if part else "")
        envelope["event_id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, name))
    return envelope


# The read model -------------------------------------------------------------------------------------------

def on_meeting_scheduled(event: Event, runtime):
    p = event.payload
    info = {k: p.get(k) for k in ("title", "starts_at", "venue", "area", "partners", "initiative_ids", "capacity",
                                  "group_size", "slot_minutes", "max_minutes")}
    store.save_meeting_info(runtime.db, p["meeting_id"], info)
    store.add_evening(runtime.db, p.get("initiative_ids") or [], p["meeting_id"])


def on_meeting_step(event: Event, runtime):
    """meeting.checkin_opened: remember the expected attendance and who presents."""
    p = event.payload
    store.set_expected_attendance(runtime.db, p["meeting_id"], p.get("expected_attendance"),
                                  p.get("initiative_ids") or [])


def on_initiative_registered(event: Event, runtime):
    p = event.payload
    store.save_initiative(runtime.db, p["initiative_id"], {
        "name": p["name"], "area": p.get("area") or "", "themes": p.get("themes") or [],
        "target_groups": p.get("target_groups") or [], "looking_for": p.get("looking_for") or [],
        "languages": p.get("languages") or [],
        "roles": [{"role_id": r["role_id"], "title": r["title"], "themes": r.get("themes") or [],
                   "capacity": r.get("capacity", 1)} for r in p.get("roles") or []],
    })


def on_registration_created(event: Event, runtime):
    p = event.payload
    if store.is_erased(runtime.db, p["person_id"]):
        return  # erased before this reached us: they stay forgotten
    companions = list(p.get("companion_ids") or [])
    if p.get("companion_of"):
        companions.append(p["companion_of"])
    # Only what matching uses: no name, email or phone.
    fields = {"languages": p.get("languages") or [], "interests": p.get("interests") or [],
              "postcode": p.get("postcode"), "language": p.get("language") or "nl",
              "consent_share": bool((p.get("consent") or {}).get("share_with_initiatives")),
              "consent_contact": bool((p.get("consent") or {}).get("contact", True))}
    # One write per sign-up, to the person's own document (the evening's document is the door's).
    store.save_person(runtime.db, p["person_id"], fields, p["meeting_id"], p["status"], companions)


def on_registration_changed(event: Event, runtime):
    p = event.payload
    if store.is_erased(runtime.db, p["person_id"]):
        return
    store.set_person_status(runtime.db, p["person_id"], p["meeting_id"], p["status"])


def on_interests_recorded(event: Event, runtime):
    p = event.payload
    if store.is_erased(runtime.db, p["person_id"]):
        return
    store.set_interests(runtime.db, p["meeting_id"], p["person_id"], list(p["initiative_ids"]))


def on_person_erased(event: Event, runtime):
    store.erase_person(runtime.db, event.payload["person_id"])


# A colour at the door -------------------------------------------------------------------------------------

def _expected(meeting: dict, payload: dict) -> int | None:
    """Who we expect tonight: registration says so in each check-in (those confirmed, or those arrived if more),
    or said so when the door opened; else nobody knows and the tables follow the arrivals. (The venue's capacity
    is a limit, not an expectation: planning for a full hall would leave a small evening at empty tables.)"""
    return payload.get("expected_attendance") or meeting.get("expected_attendance") or None


def on_checked_in(event: Event, runtime):
    """Seat the arrival and emit ``colour.assigned`` in one update. Redelivery finds them seated: nothing happens."""
    on_checked_in_run([event], runtime)


def on_checked_in_run(events: list[Event], runtime):
    """Check-ins in a row, as they queue at a busy door (the consumer hands over a run): each evening's arrivals
    seated in turn, as one by one, and written with their events in one update."""
    by_evening: dict[str, list[Event]] = {}
    for event in events:
        if not store.is_erased(runtime.db, event.payload["person_id"]):  # erased since: no seat, no colour
            by_evening.setdefault(event.payload["meeting_id"], []).append(event)
    for meeting_id, arrivals in by_evening.items():
        with COLOUR_SECONDS.time():
            seat_arrivals(runtime.db, meeting_id, [(e.payload, e) for e in arrivals])


def assign_at_door(db, payload: dict, cause: Event | None = None) -> dict | None:
    """One arrival's colour event (None if there was nothing to do): :func:`seat_arrivals` of one."""
    return next(iter(seat_arrivals(db, payload["meeting_id"], [(payload, cause)])), None)


def seat_arrivals(db, meeting_id: str, arrivals: list[tuple[dict, Event | None]]) -> list[dict]:
    """The door's path: the evening and each person's history (by _id), the arrivals seated in turn, one
    conditional update with their events; then why, for the organiser. Returns the colour events written."""
    histories: dict[str, dict] = {}
    for _attempt in range(config.colour_retry_limit()):
        meeting = store.evening(db, meeting_id)
        state = store.seating(meeting)
        info = meeting.get("info") or {}
        seating = colours.Seating(seed=state["seed"], group_size=state["group_size"] or info.get("group_size") or 0,
                                  colours=state["colours"], members=state["members"], started=state["started"],
                                  closed=state["closed"])
        seats, events, explanations = [], [], []
        for payload, cause in arrivals:
            person_id = payload["person_id"]
            if person_id in seating.members:
                continue  # already seated: this check-in (or an earlier one) was handled
            undone = state["undone"].get(person_id)
            if undone is not None and payload.get("checked_in_at") and _utc(payload["checked_in_at"]) <= _utc(undone):
                continue  # this check-in was taken back since (a copy of it came again): they are not here
            if person_id not in histories:
                histories[person_id] = store.person_history(db, person_id)
            history = histories[person_id]
            # The first arrival fixes the group size; each arrival plans the tables from who is expected by now.
            seating.group_size = seating.group_size or payload.get("group_size") or 6
            seating.expected = _expected(meeting, payload)
            companions = set(history["companions"]) | set(payload.get("companion_ids") or [])
            choice = colours.assign_colour(seating, person_id, companions, history["met"])
            events.append(_event("colour.assigned", {"meeting_id": meeting_id, "person_id": person_id,
                                                     "colour": choice.colour, "table": choice.table},
                                 meeting_id, cause))
            explanations.append((person_id, {
                "position": state["count"] + len(seats), "queue": choice.position,
                "candidates": list(choice.candidates), "conflicts": choice.conflicts, "reason": choice.reason,
                "opened": list(choice.opened), "at": store.now(), "cause": cause.event_id if cause else None}))
            seats.append((person_id, choice.colour))
        if not seats:
            return []
        if store.add_seat(db, meeting_id, state["count"], seats, seating.colours, seating.group_size, events):
            store.explain_seats(db, meeting_id, explanations)
            return events
        # Someone was seated meanwhile (or one of them, by a concurrent copy of the event): choose again.
    raise Retry(f"the queue kept moving ({config.colour_retry_limit()} attempts)")


def on_checkin_undone(event: Event, runtime):
    """participant.checkin_undone: a check-in done by mistake. The person leaves their table, so the seat is free
    and a later check-in seats them anew; a copy of the undone check-in coming again seats nobody."""
    p = event.payload
    store.undo_seat(runtime.db, p["meeting_id"], p["person_id"], _utc(event.occurred_at))


def _utc(value) -> dt.datetime:
    """A moment as an aware UTC datetime, from ISO text or a datetime (the store gives back naive UTC)."""
    moment = _as_datetime(value)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc)


# The timetable at the start -------------------------------------------------------------------------------

def on_meeting_started(event: Event, runtime):
    """Close the tables too small for a conversation (their people seated at the others, each told their new
    colour by a ``colour.assigned`` with ``changed_from``), then the timetable: all in one update."""
    p = event.payload
    db = runtime.db
    for _attempt in range(config.colour_retry_limit()):
        meeting = store.evening(db, p["meeting_id"])
        if meeting.get("started"):
            return  # a redelivered start: the timetable was published
        info = meeting.get("info") or {}
        state = store.seating(meeting)
        seating = colours.Seating(seed=state["seed"], group_size=state["group_size"] or info.get("group_size") or 6,
                                  colours=state["colours"], members=state["members"], closed=state["closed"])
        closing = colours.tables_to_close(seating)
        history = {person: store.person_history(db, person)
                   for person, colour in state["members"].items() if colour in closing}
        moves = colours.settle(seating, history)
        presenting = p.get("initiative_ids") or meeting.get("presenting") or info.get("initiative_ids") or []
        tables = [timetable.Table(seating.table_of(c), c) for c in seating.open_colours()]
        started_at = _as_datetime(p["at"])
        rounds = timetable.build_timetable(tables, presenting, started_at, info.get("slot_minutes") or 20,
                                           info.get("max_minutes") or config.max_evening_minutes())
        stored = [{"starts_at": r["starts_at"].isoformat(), "tables": r["tables"]} for r in rounds]
        published = _event("schedule.published", {"meeting_id": p["meeting_id"], "rounds": stored},
                           p["meeting_id"], event)
        changed = [_event("colour.assigned", {"meeting_id": p["meeting_id"], "person_id": m.person_id,
                                              "colour": m.colour, "table": m.table, "changed_from": m.from_colour},
                          p["meeting_id"], event, part=f"move:{m.person_id}") for m in moves]
        if store.publish_schedule(db, p["meeting_id"], state["count"],
                                  {"started_at": started_at, "colours": seating.open_colours(),
                                   "initiative_ids": presenting, "rounds": stored, "cause": event.event_id},
                                  changed + [published], moves=[(m.person_id, m.from_colour, m.colour) for m in moves],
                                  closed=seating.closed):
            for m in moves:
                store.explain_move(db, p["meeting_id"], m.person_id, {
                    "from": m.from_colour, "colour": m.colour, "reason": m.reason, "at": store.now()})
            return
        # An arrival was seated meanwhile (it may have opened a colour): make the timetable again.
    raise Retry(f"the door kept seating people ({config.colour_retry_limit()} attempts)")


def _as_datetime(value) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


# Matching after the evening -------------------------------------------------------------------------------

def on_meeting_closed(event: Event, runtime):
    """The evening closed: its proposals are due. Making them takes seconds to a minute for a big evening, so
    the proposals job does it (``make_proposals``) and the consumer goes on with everyone else's arrivals."""
    p = event.payload
    store.want_proposals(runtime.db, p["meeting_id"], {"event_id": event.event_id,
                                                       "correlation_id": event.correlation_id,
                                                       "initiative_ids": p.get("initiative_ids") or []})


def proposals_job(runtime, lease_s: float = 600.0, idle_s: float = 1.0):
    """Makes the proposals of each closed evening, one at a time, under a lease (a worker killed halfway
    leaves the evening to another after ``lease_s``; what it had written stays, as the outline says)."""
    owner = uuid.uuid4().hex
    while not runtime.stopping.is_set():
        try:
            if not make_due_proposals(runtime.db, owner, lease_s):
                runtime.stopping.wait(idle_s)
        except Exception:  # noqa: BLE001 - the store away, say: the lease runs out and it is tried again
            log.exception("making an evening's proposals failed; will try again")
            runtime.stopping.wait(5.0)


def make_due_proposals(db, owner: str, lease_s: float = 600.0) -> bool:
    """Make one closed evening's proposals, if one is due and not held by another job; True if one was."""
    due = store.claim_due_proposals(db, owner, lease_s)
    if due is None:
        return False
    make_proposals(db, due["_id"], due.get("close") or {})
    store.proposals_done(db, due["_id"])
    return True


def make_proposals(db, meeting_id: str, close: dict):
    """The evening's proposals, stored and sent in parts: first their outline (the pairs, who is in which part),
    then each part with its own ``matches.proposed`` in one write. Made again after a crash halfway, only the
    parts still missing are written, as the outline says."""
    cause = _Cause(close.get("event_id") or meeting_id, close.get("correlation_id"))
    meeting = store.meeting(db, meeting_id, {"outbox": 0}) or {}
    state = store.seating(meeting)
    seating = colours.Seating(seed="", colours=state["colours"], members=state["members"])
    # Who shared a table tonight is remembered first: it must survive a crash before the proposals are stored.
    store.record_encounters(db, meeting_id, colours.table_mates(seating))
    progress = store.matches_progress(db, meeting_id)
    if progress and progress["complete"]:
        return  # made before (a close delivered again): nothing more
    proposal = propose(db, meeting_id, meeting, list(seating.members), close.get("initiative_ids") or [])
    outline = store.start_matches(db, meeting_id, {
        "initiatives": proposal["initiatives"], "proposed_at": store.now(), "cause": cause.event_id,
        "members": [[r["person_id"] for r in chunk] for chunk in _chunks(proposal["residents"])]})
    written = progress["written"] if progress else set()
    rows = {r["person_id"]: r for r in proposal["residents"]}
    members = outline["members"]
    for n, person_ids in enumerate(members, start=1):
        if n in written:
            continue
        residents = [rows[person] for person in person_ids if person in rows]
        store.save_part(db, meeting_id, n, residents, [
            _part_event(meeting_id, n, len(members), residents, outline["initiatives"] if n == 1 else [], cause)])


@dataclasses.dataclass(frozen=True)
class _Cause:
    """What the proposals' events need of the close that caused them."""
    event_id: str
    correlation_id: str | None


# What one part of the proposals may weigh (its residents as JSON): far below the broker's 1 MiB, so an
# evening of any size leaves as many small messages, none of which holds the others up.
PART_BYTES = 128 * 1024


def _chunks(rows: list[dict]) -> list[list[dict]]:
    """Residents in parts of at most ``PART_BYTES`` each (one resident alone may weigh more); always one part,
    even for nobody, so the pairs have one to ride in."""
    chunks, chunk, size = [], [], 0
    for row in rows:
        row_bytes = len(json.dumps(row, default=str))
        if chunk and size + row_bytes > PART_BYTES:
            chunks.append(chunk)
            chunk, size = [], 0
        chunk.append(row)
        size += row_bytes
    chunks.append(chunk)
    return chunks


def _part_event(meeting_id: str, part: int, parts: int, residents: list[dict], pairs: list[dict],
                cause: Event | None) -> dict:
    return _event("matches.proposed", {"meeting_id": meeting_id, "part": part, "parts": parts,
                                       "residents": residents, "initiatives": pairs},
                  meeting_id, cause, part=part)


def propose(db, meeting_id: str, meeting: dict, attendees: list[str], presenting: list[str]) -> dict:
    """The evening's proposals: ``{residents: [...], initiatives: [...]}`` with signed answer links."""
    info = meeting.get("info") or {}
    presenting = presenting or meeting.get("presenting") or info.get("initiative_ids") or []
    # Tonight's presenters presented tonight, whatever the read model's per-initiative list says so far.
    initiatives = {d["_id"]: _initiative(d, meeting_id if d["_id"] in presenting else None)
                   for d in store.initiatives(db)}
    interests = store.interests(meeting)
    residents = [_resident(doc, info.get("area") or "", interests.get(doc["_id"], []))
                 for doc in store.attendees(db, meeting_id, attendees)]
    suggestions = matchmaking.propose_roles(residents, initiatives, solve, presenting,
                                            per_resident=config.suggestions_per_resident())
    resident_rows = []
    for person_id, picks in suggestions.items():
        rows = []
        for s in picks:
            row = s.as_dict()
            for answer in links.ANSWERS:
                token = links.make_token(meeting_id, person_id, s.initiative_id, s.role_id, answer)
                row[f"{answer}_url"] = links.answer_url(token)
            rows.append(row)
        resident_rows.append({"person_id": person_id, "suggestions": rows,
                              "list_url": links.list_url(meeting_id, person_id)})  # all of them, for the SMS
    focus = [i for i in presenting if i in initiatives]
    pairs = matchmaking.propose_pairs(initiatives, focus=focus, evening_names={meeting_id: info.get("title") or ""}
                                      ) if focus else []  # nobody presented: nobody to introduce
    return {"residents": resident_rows, "initiatives": pairs}


def _resident(doc: dict, evening_area: str, wants: list[str]) -> matchmaking.Resident:
    return matchmaking.Resident(
        person_id=doc["_id"], interests=frozenset(doc.get("interests") or []),
        languages=frozenset(doc.get("languages") or []), area=area_of(doc.get("postcode"), evening_area),
        wants=frozenset(wants), consent=bool(doc.get("consent_share")),
        contact=bool(doc.get("consent_contact", True)))


def _initiative(doc: dict, tonight: str | None = None) -> matchmaking.Initiative:
    return matchmaking.Initiative(
        initiative_id=doc["_id"], name=doc.get("name") or doc["_id"], area=doc.get("area") or "",
        themes=frozenset(doc.get("themes") or []), target_groups=frozenset(doc.get("target_groups") or []),
        looking_for=frozenset(doc.get("looking_for") or []), languages=frozenset(doc.get("languages") or []),
        roles=tuple(matchmaking.Role(r["role_id"], doc["_id"], r.get("title") or "", frozenset(r.get("themes") or []),
                                     int(r.get("capacity") or 0)) for r in doc.get("roles") or []),
        evenings=frozenset(doc.get("evenings") or []) | ({tonight} if tonight else frozenset()))


# Answers (a command from the web) -------------------------------------------------------------------------

class UnknownSuggestion(Exception):
    """The link points at a suggestion that no longer exists (e.g. the person was erased)."""


def answer_suggestion(db, token_data: dict) -> dict:
    """Record a resident's accept/decline; ``match.accepted``/``match.declined`` leave with it, once per change."""
    meeting_id, person_id, role_id = token_data["meeting_id"], token_data["person_id"], token_data["role_id"]
    answer = token_data["answer"]
    fields = {"meeting_id": meeting_id, "person_id": person_id, "initiative_id": token_data["initiative_id"],
              "role_id": role_id}
    event = new_event("match.accepted" if answer == "accept" else "match.declined", fields,
                      key=meeting_id, producer=SERVICE)
    changed = store.record_answer(db, {**fields, "answer": answer}, [event])
    if changed is None:
        raise UnknownSuggestion()
    return {"answer": answer, "changed": changed}


EVENT_HANDLERS = {
    "meeting.scheduled": [on_meeting_scheduled],
    "meeting.changed": [on_meeting_scheduled],
    "meeting.checkin_opened": [on_meeting_step],
    "initiative.registered": [on_initiative_registered],
    "initiative.changed": [on_initiative_registered],  # the whole initiative again, as it now is
    "registration.created": [on_registration_created],
    "registration.cancelled": [on_registration_changed],
    "registration.promoted": [on_registration_changed],
    "interests.recorded": [on_interests_recorded],
    "participant.checked_in": [on_checked_in],
    "participant.checkin_undone": [on_checkin_undone],
    "meeting.started": [on_meeting_started],
    "meeting.closed": [on_meeting_closed],
    "person.erased": [on_person_erased],
}

# Consecutive events of these types are handed over together (wijkkracht.worker): the door's queue drains in
# one update per evening instead of one per arrival.
RUN_HANDLERS = {
    "participant.checked_in": on_checked_in_run,
}
