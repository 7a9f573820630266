"""Use cases of the registration service: plain functions, one per command or event, dependencies passed in.

Web and worker call these; these call the pure domain for decisions and the store for one atomic write
(state and events together). ``EVENT_HANDLERS`` at the bottom is the one table of what the worker consumes.
"""
import datetime as dt
import hashlib
import hmac
import logging
import uuid
from typing import Callable

from wijkkracht.events import new_event

from . import SERVICE
from .adapters.store import DuplicateKeyError, Store, now
from .domain import door, model
from .domain.errors import Invalid, InvalidTransition, NotFound
from .initiatives import ensure_presentable

log = logging.getLogger(__name__)

def _new_id() -> str:
    return uuid.uuid4().hex


def _event(event_type: str, payload: dict, key: str, correlation_id: str | None = None) -> dict:
    return new_event(event_type, payload, key=key, producer=SERVICE, correlation_id=correlation_id)


def _iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.isoformat()


# --- evenings ---------------------------------------------------------------------------------------------

def meeting_payload(doc: dict) -> dict:
    return {
        "meeting_id": doc["_id"], "title": doc["title"], "starts_at": _iso(doc["starts_at"]),
        "venue": doc["venue"], "area": doc["area"], "partners": doc.get("partners", []),
        "initiative_ids": doc.get("initiative_ids", []), "capacity": doc.get("capacity"),
        "group_size": doc.get("group_size", 6), "slot_minutes": doc.get("slot_minutes", 20),
        "address": doc.get("address"), "max_minutes": doc.get("max_minutes"),
    }


def schedule_meeting(store: Store, data: dict, correlation_id: str | None = None) -> dict:
    ensure_presentable(store, data.get("initiative_ids"))
    doc = {
        "_id": _new_id(), "title": data["title"], "starts_at": data["starts_at"].astimezone(dt.timezone.utc),
        "venue": data["venue"], "area": data["area"], "partners": data.get("partners") or [],
        "initiative_ids": data.get("initiative_ids") or [], "capacity": data.get("capacity"),
        "group_size": data.get("group_size") or 6, "slot_minutes": data.get("slot_minutes") or 20,
        "address": (data.get("address") or "").strip() or None, "max_minutes": data.get("max_minutes"),
        "status": model.SCHEDULED, "created_at": now(),
    }
    doc.update(confirmed=0, checked_in=0)  # counted by the evening itself: its places, its arrivals
    event = _event("meeting.scheduled", meeting_payload(doc), key=doc["_id"], correlation_id=correlation_id)
    store.insert_meeting(doc, [event])
    return doc


def get_meeting(store: Store, meeting_id: str) -> dict:
    meeting = store.meeting(meeting_id)
    if meeting is None:
        raise NotFound("No evening with this id.")
    return meeting


def change_meeting(store: Store, meeting_id: str, changes: dict, correlation_id: str | None = None) -> dict:
    """Edit an evening; a new time or venue emits ``meeting.changed`` so registrants are told."""
    meeting = get_meeting(store, meeting_id)
    if meeting["status"] == model.CLOSED:
        raise InvalidTransition("A closed evening can no longer be changed.")
    ensure_presentable(store, changes.get("initiative_ids"))
    if changes.get("starts_at") is not None:
        changes["starts_at"] = changes["starts_at"].astimezone(dt.timezone.utc)
    if "address" in changes:
        changes["address"] = (changes["address"] or "").strip() or None
    changed = model.changed_fields(meeting, changes)
    if not changed:
        return meeting
    fields = {f: changes[f] for f in changed}
    event = _event("meeting.changed", {**meeting_payload({**meeting, **fields}), "changed": changed},
                   key=meeting_id, correlation_id=correlation_id)
    after = store.change_meeting(meeting_id, fields, [event])
    if after is None:
        raise InvalidTransition("A closed evening can no longer be changed.")
    if "capacity" in changed:
        promote_waitlist(store, meeting_id, correlation_id)
    return after


def advance_meeting(store: Store, meeting_id: str, command: str, correlation_id: str | None = None) -> dict:
    """open_checkin / start / close: one step of the lifecycle and its event, in one update (each step once)."""
    meeting = get_meeting(store, meeting_id)
    new_status, event_type = model.transition(meeting["status"], command)
    at = now()
    payload = {"meeting_id": meeting_id, "at": _iso(at), "initiative_ids": meeting.get("initiative_ids", []),
               "expected_attendance": expected_attendance(store, meeting)}
    event = _event(event_type, payload, key=meeting_id, correlation_id=correlation_id)
    advanced = store.advance_meeting(meeting_id, model.TRANSITIONS[command][0], new_status, at, [event])
    if advanced is None:  # a concurrent request took a step first
        model.transition(get_meeting(store, meeting_id)["status"], command)
        raise InvalidTransition(f"This evening is already {new_status}.")
    return advanced


def expected_attendance(store: Store, meeting: dict) -> int:
    """The larger of those confirmed and those arrived, as the evening counts them."""
    return max(confirmed_count(store, meeting), arrivals_count(store, meeting))


def confirmed_count(store: Store, meeting: dict) -> int:
    counted = meeting.get("confirmed")
    return counted if counted is not None else store.count(meeting["_id"], model.CONFIRMED)


def arrivals_count(store: Store, meeting: dict) -> int:
    counted = meeting.get("checked_in")
    return counted if counted is not None else store.count_checkins(meeting["_id"])


# --- sign-ups ---------------------------------------------------------------------------------------------

def registration_payload(doc: dict) -> dict:
    return {
        "registration_id": doc["_id"], "person_id": doc["person_id"], "meeting_id": doc["meeting_id"],
        "status": doc["status"], "code": doc["code"], "name": doc["name"], "email": doc.get("email"),
        "phone": doc.get("phone"), "postcode": doc.get("postcode"), "language": doc.get("language", "nl"),
        "languages": doc.get("languages", []), "interests": doc.get("interests", []),
        "preferred_channel": doc["preferred_channel"], "consent": doc["consent"],
        "companion_of": doc.get("companion_of"), "companion_ids": doc.get("companion_ids", []),
        "signed_up_by": doc.get("signed_up_by"),
        "cancel_url": doc.get("cancel_url"), "walk_in": doc.get("walk_in", False),
        "meeting_title": doc.get("meeting_title"), "meeting_starts_at": _iso(doc.get("meeting_starts_at")),
        "meeting_venue": doc.get("meeting_venue"),
    }


def _lookup_key(email: str | None, phone: str | None, secret: str) -> str | None:
    """Where the service finds a person again by their address (the email, or without one the phone): a keyed
    hash of it, so the people collection holds no address and the key says nothing without the secret."""
    key = f"email:{email.strip().lower()}" if email else f"phone:{phone}" if phone else None
    return hmac.new(secret.encode(), key.encode(), hashlib.sha256).hexdigest() if key else None


def _person_id(store: Store, email: str | None, phone: str | None, secret: str) -> str:
    """The same person for the same email (or phone) across evenings, under a random id: an id says nothing
    about the address, and one erased is never handed out again (the erasure forgets the lookup)."""
    key = _lookup_key(email, phone, secret)
    return store.claim_person(key, _new_id()) if key else _new_id()


def _who(store: Store, meeting_id: str, person: dict, secret: str, person_id: str | None = None) -> dict:
    """A person's ids and identity keys at this evening: a random registration id; the unique identity keys
    are what make a repeated request land on the registration already there. ``person_id``: already known."""
    registration_id = _new_id()
    email_key, phone_key = model.identity_keys(registration_id, person.get("email"), person.get("phone"))
    return {"_id": registration_id, "email_key": email_key, "phone_key": phone_key,
            "person_id": person_id or _person_id(store, person.get("email"), person.get("phone"), secret),
            "door_keys": door.door_keys(meeting_id, person["name"], person.get("phone"), secret)}


def sign_up(store: Store, meeting_id: str, data: dict, *, cancel_url_for: Callable[[str], str | None],
            correlation_id: str | None = None, walk_in: bool = False, secret: str = "") -> tuple[dict, bool]:
    """A resident (and their companions) sign up for an evening. Returns (registration, created).

    The evening must take sign-ups and the contact fields must fit the channel; the same person again (same
    email or phone) gets their registration back; anyone else gets a place or a waitlist place and is
    written with their ``registration.created`` in one insert (companions first, so the resident's own
    event can name them)."""
    errors = model.contact_errors(data["preferred_channel"], data.get("email"), data.get("phone"))
    if errors and not walk_in:
        model.ensure_accepts_signups(get_meeting(store, meeting_id)["status"])  # an unknown or closed evening first
        raise Invalid("Some fields are invalid.", errors)
    key = _lookup_key(data.get("email"), data.get("phone"), secret)
    person_id = _new_id()
    if not data.get("companions") and (key is None or store.new_person(key, person_id)):
        # Someone never seen before (their address now keyed to ``person_id``): no evening holds them, so there
        # is nothing to look up first; should this evening hold their phone under another address after all,
        # its unique index says so when the registration is inserted.
        return _first_sign_up(store, meeting_id, data, person_id, cancel_url_for, correlation_id, walk_in, secret)

    meeting = store.meeting(meeting_id)
    if meeting is None:
        raise NotFound("No evening with this id.")
    model.ensure_accepts_signups(meeting["status"])
    email_key, phone_key = model.identity_keys("", data.get("email"), data.get("phone"))
    existing = store.registration_by_identity(meeting_id, email_key, phone_key)
    for _ in range(2):  # by email, then by phone
        if existing is None or existing["status"] != model.CANCELLED:
            break
        # They cancelled and come back after all: the cancelled one lets go of the address, a new one follows.
        store.release_identity(existing["_id"])
        existing = store.registration_by_identity(meeting_id, email_key, phone_key)
    if existing is not None:
        return existing, False
    known = store.person_id_of(key) if key and not data.get("companions") else None
    resident = _who(store, meeting_id, data, secret, person_id=known)

    common = {"meeting_id": meeting_id, "languages": data.get("languages") or [],
              "language": data.get("language") or "nl", "preferred_channel": data["preferred_channel"],
              "consent": data["consent"], "walk_in": walk_in, "meeting_title": meeting["title"],
              "meeting_starts_at": meeting["starts_at"], "meeting_venue": meeting["venue"]}
    companions = [{**_who(store, meeting_id, c, secret), "name": c["name"], "email": c.get("email"),
                   "phone": c.get("phone")} for c in data.get("companions") or []]
    group = [resident["person_id"]] + [c["person_id"] for c in companions]
    stored_companions = []
    for companion in companions:
        doc, created = _register(store, meeting, {
            **common, **companion, "postcode": None, "interests": [],
            "preferred_channel": model.choose_contact_channel(data["preferred_channel"], companion["email"],
                                                              companion["phone"]),
            "companion_of": resident["person_id"], "signed_up_by": data["name"],
            # Someone else signed them up: nothing about them goes to initiatives until they say so themselves.
            "consent": {"contact": True, "share_with_initiatives": False},
            "companion_ids": [p for p in group if p != companion["person_id"]], "companions": []},
            cancel_url_for, correlation_id, walk_in)
        if created:  # one already signed up is coming anyway; whoever names them learns nothing of theirs
            stored_companions.append({"registration_id": doc["_id"], "person_id": doc["person_id"]})

    return _register(store, meeting, {
        **common, **resident, "name": data["name"], "email": data.get("email"), "phone": data.get("phone"),
        "postcode": data.get("postcode"), "interests": data.get("interests") or [], "companion_of": None,
        "companion_ids": [c["person_id"] for c in stored_companions], "companions": stored_companions},
        cancel_url_for, correlation_id, walk_in)


def _first_sign_up(store: Store, meeting_id: str, data: dict, person_id: str,
                   cancel_url_for: Callable[[str], str | None], correlation_id: str | None, walk_in: bool,
                   secret: str) -> tuple[dict, bool]:
    """Someone new signs up alone: the evening is read and its place counted in one conditional update (an
    open evening without a capacity), and their registration inserted: two writes. An evening with a
    capacity takes its place as ``_register`` does; an unknown or closed one says so."""
    resident = _who(store, meeting_id, data, secret, person_id=person_id)
    meeting = store.count_place_at_open_evening(meeting_id)
    place = Store.COUNTED
    if meeting is None:  # not open for sign-ups, or it has a capacity, or it is not counted yet
        meeting = get_meeting(store, meeting_id)
        model.ensure_accepts_signups(meeting["status"])
        place = None
    common = {"meeting_id": meeting_id, "languages": data.get("languages") or [],
              "language": data.get("language") or "nl", "preferred_channel": data["preferred_channel"],
              "consent": data["consent"], "walk_in": walk_in, "meeting_title": meeting["title"],
              "meeting_starts_at": meeting["starts_at"], "meeting_venue": meeting["venue"]}
    return _register(store, meeting, {
        **common, **resident, "name": data["name"], "email": data.get("email"), "phone": data.get("phone"),
        "postcode": data.get("postcode"), "interests": data.get("interests") or [], "companion_of": None,
        "companion_ids": [], "companions": []}, cancel_url_for, correlation_id, walk_in, place=place)


def _register(store: Store, meeting: dict, person: dict, cancel_url_for: Callable[[str], str | None],
              correlation_id: str | None, walk_in: bool, place: str | None = None) -> tuple[dict, bool]:
    """Take a place for ``person`` (a waitlist place if the evening is full; ``place``: one already taken) and
    insert their registration with its ``registration.created``.

    A duplicate key means the same person again, just now (theirs comes back, and a place taken for this
    request goes back), one who cancelled here before (theirs lets go of the address), or a personal code
    already in use (draw another)."""
    place = place or store.take_place(meeting, person["_id"], beyond_capacity=walk_in)
    for _ in range(20):
        doc = {**person, "status": model.CONFIRMED if place else model.WAITLISTED, "code": model.new_code(),
               "created_at": now(), "cancel_url": cancel_url_for(person["_id"])}
        event = _event("registration.created", registration_payload(doc), key=meeting["_id"],
                       correlation_id=correlation_id)
        try:
            store.insert_registration(doc, [event])
            return doc, True
        except DuplicateKeyError:
            existing = store.registration_by_identity(meeting["_id"], person["email_key"], person["phone_key"])
        if existing is None:
            continue  # the code was taken
        if existing["status"] == model.CANCELLED:
            store.release_identity(existing["_id"])  # they cancelled and come back after all
            continue
        # The place taken under this request's own (random) registration id is not the other's: it goes back.
        store.give_back(meeting["_id"], person["_id"], place)
        return existing, False
    raise RuntimeError("could not find a free code after many tries")


# A repeat sign-up sends the confirmation again at most this often, so no one can flood another's inbox.
RESEND_INTERVAL = dt.timedelta(minutes=5)


def resend_confirmation(store: Store, registration: dict, correlation_id: str | None = None) -> bool:
    """The same person signed up again: their confirmation goes once more to the address on file
    (``registration.resent``), and whoever asked learns nothing. False if one went again just now."""
    if registration.get("erased_at") or registration["status"] == model.CANCELLED:
        return False
    at = now()
    payload = {"registration_id": registration["_id"], "person_id": registration["person_id"],
               "meeting_id": registration["meeting_id"], "status": registration["status"],
               "code": registration["code"], "cancel_url": registration.get("cancel_url"),
               "preferred_channel": registration["preferred_channel"]}
    event = _event("registration.resent", payload, key=registration["meeting_id"], correlation_id=correlation_id)
    return store.mark_resent(registration["_id"], at, at - RESEND_INTERVAL, [event])


ALREADY_REGISTERED = {"status": "already_registered"}


def sign_up_response(doc: dict) -> dict:
    return {"registration_id": doc["_id"], "person_id": doc["person_id"], "status": doc["status"],
            "code": doc["code"], "meeting_id": doc["meeting_id"], "companions": doc.get("companions", [])}


def cancel_registration(store: Store, registration_id: str, correlation_id: str | None = None,
                        reason: str | None = None) -> dict:
    """Cancel a place (the resident's own signed link, or an organiser); a freed place goes to the
    longest-waiting. Cancelling twice changes nothing."""
    registration = store.registration(registration_id)
    if registration is None:
        raise NotFound("No registration with this id.")
    meeting_id = registration["meeting_id"]
    while registration is not None and registration["status"] != model.CANCELLED:
        releases_place = registration["status"] == model.CONFIRMED
        payload = {"registration_id": registration_id, "person_id": registration["person_id"],
                   "meeting_id": meeting_id, "status": model.CANCELLED, **({"reason": reason} if reason else {})}
        event = _event("registration.cancelled", payload, key=meeting_id, correlation_id=correlation_id)
        if store.cancel_registration(registration_id, registration["status"], now(), releases_place, [event]):
            if releases_place:
                store.give_back_place(meeting_id, registration_id)
                promote_waitlist(store, meeting_id, correlation_id)
            break
        registration = store.registration(registration_id)  # promoted meanwhile: cancel what it is now
    return store.registration(registration_id)


def promote_waitlist(store: Store, meeting_id: str, correlation_id: str | None = None) -> int:
    """Give free places to the waitlist, oldest first, each with its ``registration.promoted``. Safe to repeat
    and to run concurrently: a place is taken by a conditional update, once per waiting resident (``HELD``:
    another promoter has it and promotes them), and a promotion happens once."""
    meeting = store.meeting(meeting_id)
    if meeting is None or meeting.get("capacity") is None or meeting["status"] == model.CLOSED:
        return 0
    promoted, skip = 0, set()
    while (waiting := store.oldest_waitlisted(meeting_id, skip)) is not None:
        skip.add(waiting["_id"])
        place = store.take_place(meeting, waiting["_id"])
        if not place:
            break
        if place == store.HELD:
            continue  # a concurrent promoter took the place for them and promotes them
        payload = {"registration_id": waiting["_id"], "person_id": waiting["person_id"], "meeting_id": meeting_id,
                   "status": model.CONFIRMED}
        event = _event("registration.promoted", payload, key=meeting_id, correlation_id=correlation_id)
        if store.promote(waiting["_id"], now(), [event]) is not None:
            promoted += 1
        else:  # cancelled meanwhile
            store.give_back(meeting_id, waiting["_id"], place)
    return promoted


# A request that took a place this long ago and has still not confirmed its registration has crashed.
CLAIM_GRACE = dt.timedelta(minutes=2)


def repair_places(store: Store, meeting_id: str, at: dt.datetime | None = None, thorough: bool = True,
                  places: dict | None = None) -> None:
    """Heal what a crash between taking a place and writing the registration leaves and forget the claims
    of registrations that hold their place; ``thorough``: also give back the place of a cancellation that
    crashed before it could, and give free places to the waitlist. The worker runs it for every evening."""
    at = at or now()
    places = places or store.places(meeting_id)
    if places is None:
        return
    if "confirmed" not in places:  # an evening written before evenings counted for themselves
        store.start_counting(meeting_id)
        return
    settled, freed = [], False
    for registration_id, claimed_at in (places.get("claims") or {}).items():
        registration = store.registration(registration_id)
        if registration is not None and (registration["status"] == model.CONFIRMED
                                         or registration.get("releases_place")):
            settled.append(registration_id)  # the registration holds its place itself now
        elif claimed_at.replace(tzinfo=claimed_at.tzinfo or dt.timezone.utc) < at - CLAIM_GRACE:
            store.give_back_claim(meeting_id, registration_id)
            freed = True
    store.settle_claims(meeting_id, settled)
    if not thorough:
        return
    released = places.get("released") or {}
    for cancelled in store.cancelled_holding_places(meeting_id):
        if cancelled["_id"] not in released:
            store.give_back_place(meeting_id, cancelled["_id"])
            freed = True
    capacity = places.get("capacity")
    if capacity is not None and places["status"] != model.CLOSED and (freed or places["confirmed"] < capacity):
        promote_waitlist(store, meeting_id)


# --- the door ---------------------------------------------------------------------------------------------

def check_in(store: Store, meeting_id: str, *, registration_id: str | None = None, walk_in: dict | None = None,
             cancel_url_for: Callable[[str], str | None] = lambda _id: None,
             correlation_id: str | None = None, secret: str = "") -> tuple[dict, bool]:
    """Check a resident in (by registration) or sign up and check in a walk-in. Returns (check-in, created)."""
    meeting = store.meeting(meeting_id)
    if meeting is None:
        raise NotFound("No evening with this id.")
    if not model.accepts_checkins(meeting["status"]):
        raise InvalidTransition("This evening is closed; check-in is no longer possible.")
    if registration_id:
        registration = store.registration(registration_id)
        if registration is None or registration["meeting_id"] != meeting_id:
            raise NotFound("No registration with this id for this evening.", {"registration_id": ["unknown"]})
        if registration["status"] == model.CANCELLED:
            raise Invalid("This registration was cancelled.", {"registration_id": ["cancelled"]})
    elif walk_in:
        registration, _ = sign_up(store, meeting_id, walk_in, cancel_url_for=cancel_url_for,
                                  correlation_id=correlation_id, walk_in=True, secret=secret)
    else:
        raise Invalid("Give a registration_id or the walk-in's name.", {"registration_id": ["required"]})

    existing = store.checkin(meeting_id, registration["person_id"])
    if existing is not None:
        return existing, False
    at = now()
    doc = {"_id": f"{meeting_id}:{registration['person_id']}", "meeting_id": meeting_id,
           "person_id": registration["person_id"], "registration_id": registration["_id"],
           "name": registration["name"], "code": registration["code"], "checked_in_at": at,
           "walk_in": registration.get("walk_in", False)}
    payload = {"meeting_id": meeting_id, "person_id": doc["person_id"], "registration_id": registration["_id"],
               "checked_in_at": _iso(at), "walk_in": doc["walk_in"],
               "companion_ids": registration.get("companion_ids", []),
               "expected_attendance": expected_attendance(store, meeting),
               "group_size": meeting.get("group_size", 6)}
    event = _event("participant.checked_in", payload, key=meeting_id, correlation_id=correlation_id)
    try:
        store.insert_checkin(doc, [event])
    except DuplicateKeyError:  # checked in just now by another screen, or checked in before and undone
        if not store.redo_checkin(doc, [event]):
            return store.checkin(meeting_id, registration["person_id"]), False
    store.count_arrival(meeting_id)
    store.door_changed(meeting_id, {"kind": "arrival", "person_id": doc["person_id"]})
    if registration["status"] == model.WAITLISTED:
        # They came anyway and are here: the door lets them in; a place follows if one is free.
        promote_waitlist(store, meeting_id, correlation_id)
    return doc, True


def undo_check_in(store: Store, meeting_id: str, person_id: str, correlation_id: str | None = None) -> bool:
    """Take back a check-in done by mistake: ``participant.checkin_undone`` (matching frees the seat), the
    colour shown at the door goes, and the person can be checked in again. False if they were not checked in."""
    get_meeting(store, meeting_id)
    event = _event("participant.checkin_undone", {"meeting_id": meeting_id, "person_id": person_id},
                   key=meeting_id, correlation_id=correlation_id)
    if store.undo_checkin(meeting_id, person_id, now(), [event]) is None:
        return False
    store.uncount_arrival(meeting_id)
    store.forget_colour(meeting_id, person_id)
    store.door_changed(meeting_id, {"kind": "undo", "person_id": person_id})
    return True


DOOR_RESULTS = 10  # a volunteer scans ten at a glance; each is looked up for its check-in
SEARCHABLE = (model.CONFIRMED, model.WAITLISTED)


def find_at_door(store: Store, meeting_id: str, query: str, secret: str = "") -> list[dict]:
    """Registrations of the evening matching a name (case and accents ignored, every word typed beginning a
    word of the name), a personal code, or the last digits of a phone number; each with ``checked_in``.

    Every kind is one indexed lookup: the code by its unique index, a name by the first letters of its longest
    word and a phone by a keyed hash of its last digits (``door_keys``, domain/door.py)."""
    query = (query or "").strip()[:100]
    found: dict[str, dict] = {}
    for kind in door.query_kinds(query, model.looks_like_code(query)):
        if kind == door.CODE:
            by_code = store.registration_by_code(meeting_id, model.normalise_code(query))
            candidates = [by_code] if by_code else []
        elif kind == door.PHONE:
            candidates = store.registrations_by_door_key(door.phone_key(meeting_id, door.phone_digits(query), secret))
        else:
            candidates = [r for r in store.registrations_by_door_key(door.name_key(meeting_id, door.lookup_word(query)))
                          if door.name_matches(query, r["name"])]
        for r in candidates:
            if r["status"] in SEARCHABLE and r["meeting_id"] == meeting_id:
                found.setdefault(r["_id"], r)
    typed = door.fold(query)
    results = sorted(found.values(), key=lambda r: (door.fold(r["name"]) != typed, door.fold(r["name"])))
    results = results[:DOOR_RESULTS]
    for r in results:
        r["checked_in"] = store.checkin(meeting_id, r["person_id"]) is not None
    return results


def searched_by(query: str) -> list[str]:
    """What a door query was taken for: ``code``, ``phone`` (its last digits) and/or ``name``."""
    query = (query or "").strip()[:100]
    return door.query_kinds(query, model.looks_like_code(query))


def add_door_keys(store: Store, secret: str) -> int:
    """Registrations written before the door searched by keys get theirs (the worker, once); returns how many."""
    if store.migration_done("door_keys"):
        return 0
    added = 0
    while batch := store.registrations_without_door_keys():
        for r in batch:
            keys = [] if r.get("erased_at") else door.door_keys(r["meeting_id"], r.get("name") or "", r.get("phone"),
                                                                secret)
            store.set_door_keys(r["_id"], keys)
            added += 1
    store.mark_migration_done("door_keys")
    return added


def record_interests(store: Store, meeting_id: str, person_id: str, initiative_ids: list[str],
                     correlation_id: str | None = None):
    get_meeting(store, meeting_id)
    if store.registration_of(meeting_id, person_id) is None and store.checkin(meeting_id, person_id) is None:
        raise NotFound("This person is not registered for this evening.", {"person_id": ["unknown"]})
    payload = {"meeting_id": meeting_id, "person_id": person_id, "initiative_ids": initiative_ids}
    event = _event("interests.recorded", payload, key=meeting_id, correlation_id=correlation_id)
    store.record_interests(meeting_id, person_id, initiative_ids, [event])
    return payload


# --- privacy ----------------------------------------------------------------------------------------------

def export_person(store: Store, person_id: str) -> dict:
    registrations = store.registrations_of_person(person_id)
    if not registrations and not store.is_erased(person_id):
        raise NotFound("No person with this id.")
    hidden = {"email_key", "phone_key", "seat", "releases_place", "outbox", "has_outbox"}
    checkins, colours = [], []
    for reg in registrations:
        checkin = store.checkin_record(reg["meeting_id"], person_id)  # one undone at the door too
        if checkin:
            checkins.append({k: v for k, v in checkin.items() if k not in hidden})
        colour = store.colour(reg["meeting_id"], person_id)
        if colour:
            colours.append({"meeting_id": reg["meeting_id"], "colour": colour["colour"], "table": colour["table"]})
    return {
        "person_id": person_id,
        "erased": store.is_erased(person_id),
        "registrations": [{("registration_id" if k == "_id" else k): v for k, v in reg.items() if k not in hidden}
                          for reg in registrations],
        "checkins": checkins,
        "colours": colours,
        "interests": [{k: v for k, v in i.items() if k not in hidden | {"_id"}}
                      for i in store.interests_of_person(person_id)],
        "ideas": [{("idea_id" if k == "_id" else k): v for k, v in i.items() if k not in hidden}
                  for i in store.ideas_of_person(person_id)],
        # what initiatives answered about them as a volunteer (contacted, started, not a fit)
        "followups": [{k: v for k, v in f.items() if k not in hidden | {"_id"}}
                      for f in store.followups_of_person(person_id)],
    }


def _anonymised_fields(registration_id: str) -> dict:
    erased = model.ERASED
    return {"name": erased.name, "email": None, "phone": None, "postcode": None, "languages": [],
            "interests": [], "email_key": f"none:{registration_id}", "phone_key": f"none:{registration_id}",
            "cancel_url": None, "erased_at": now(), "door_keys": []}


def erase_person(store: Store, person_id: str, correlation_id: str | None = None) -> bool:
    """Remove what identifies a person here and tell every service (``person.erased``)."""
    registrations = store.registrations_of_person(person_id)
    if not registrations and not store.is_erased(person_id):
        raise NotFound("No person with this id.")
    store.forget_person(person_id)  # first: a sign-up from now on is someone new
    for reg in registrations:
        if reg["status"] != model.CANCELLED:  # the place goes to whoever waits; the door no longer lists them
            cancel_registration(store, reg["_id"], correlation_id, reason="erased")
        store.anonymise_registration(reg["_id"], _anonymised_fields(reg["_id"]))
    store.anonymise_checkins(person_id, model.ERASED.name)
    store.anonymise_interests(person_id)
    store.forget_ideas_of_person(person_id)  # an idea's text may name them: it goes (the report's counts stay)
    store.forget_followups_of_person(person_id)  # what an initiative answered about them as a volunteer
    event = _event("person.erased", {"person_id": person_id}, key=person_id, correlation_id=correlation_id)
    store.erase_person(person_id, [event])
    store.forget_colours(person_id)  # after the tombstone, so a late colour.assigned finds it
    return True


def apply_retention(store: Store, retention_days: int, at: dt.datetime | None = None) -> int:
    """Anonymise the residents of evenings that ended more than ``retention_days`` ago; returns how many.

    Each person is erased with ``person.erased`` so the other services forget them too — unless they are
    registered for a later evening still within retention."""
    at = at or now()
    erased = 0
    for meeting in store.meetings():
        starts_at = meeting["starts_at"]
        if starts_at.tzinfo is None:
            starts_at = starts_at.replace(tzinfo=dt.timezone.utc)
        if meeting.get("retention_applied") or not model.is_past_retention(starts_at, at, retention_days):
            continue
        for reg in store.registrations(meeting["_id"]):
            if reg.get("erased_at"):
                continue
            later = [r for r in store.registrations_of_person(reg["person_id"]) if r["meeting_id"] != meeting["_id"]
                     and not model.is_past_retention(_meeting_start(store, r["meeting_id"]), at, retention_days)]
            if later:
                store.anonymise_registration(reg["_id"], _anonymised_fields(reg["_id"]))
            else:
                erase_person(store, reg["person_id"])
            erased += 1
        store.mark_retention_applied(meeting["_id"], at)
    return erased


def _meeting_start(store: Store, meeting_id: str) -> dt.datetime:
    meeting = store.meeting(meeting_id)
    start = meeting["starts_at"] if meeting else now()
    return start if start.tzinfo else start.replace(tzinfo=dt.timezone.utc)


# --- events from other services ---------------------------------------------------------------------------

def on_colour_assigned(event, runtime):
    """Matching gave an arrival a colour: keep it in our own read model for the door."""
    on_colours_assigned([event], runtime)


def on_colours_assigned(events, runtime):
    """Colours from matching, one or a queue of them (the door busy), kept in our own read model for the door:
    in a handful of store commands however many there are."""
    store = Store(runtime.db)
    colours = [(e.payload, e.event_id) for e in events]
    erased = store.erased_among({p["person_id"] for p, _ in colours})  # erased meanwhile: not kept again
    undone = store.checkins_undone_among({(p["meeting_id"], p["person_id"]) for p, _ in colours})
    kept = [(p, event_id) for p, event_id in colours
            if p["person_id"] not in erased and (p["meeting_id"], p["person_id"]) not in undone]
    if not kept:
        return
    store.save_colours(kept)
    # The door screens show them now (the last change rides along: for one, the screens need not read the
    # arrivals again).
    for meeting_id in dict.fromkeys(p["meeting_id"] for p, _ in kept):
        mine = [p for p, _ in kept if p["meeting_id"] == meeting_id]
        last = mine[-1]
        store.door_changed(meeting_id, {"kind": "colour", "person_id": last["person_id"], "colour": last["colour"],
                                        "table": last["table"]}, count=len(mine))


def on_schedule_published(event, runtime):
    Store(runtime.db).save_schedule(event.payload["meeting_id"], event.raw["payload"]["rounds"], event.event_id)


EVENT_HANDLERS = {
    "colour.assigned": [on_colour_assigned],
    "schedule.published": [on_schedule_published],
}

# Consecutive events of these types are handed over together (wijkkracht.worker): a queue of colours at a
# busy door is stored in a few writes, not four per arrival.
RUN_HANDLERS = {
    "colour.assigned": on_colours_assigned,
}
