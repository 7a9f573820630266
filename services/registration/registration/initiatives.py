"""Use cases of initiatives: registering (and the confirmation), approval, their own page (edits, a new link
by email), their answers to the pairs matching introduced them to, and what became of their volunteers.

Plain functions, dependencies passed in; the store makes each change one atomic write with its events. An
initiative's page is opened by a link signed for it (``web.initiative_page``): the link names the initiative
and its ``link_key``, a random value only its own link carries, so nothing opens another initiative's page.
"""
import datetime as dt
import hashlib
import hmac
import uuid
from typing import Callable

from wijkkracht.events import new_event

from . import SERVICE
from .adapters.store import Store, now
from .domain.errors import Invalid, NotFound

PENDING, APPROVED = "pending", "approved"
INTERESTED, NOT_NOW = "interested", "not_now"
PAIR_ANSWERS = (INTERESTED, NOT_NOW)
OUTCOMES = ("contacted", "started", "not_a_fit")
LINK_INTERVAL = dt.timedelta(minutes=5)  # a new link goes at most this often, however often it is asked for
EDITABLE = ("description", "area", "themes", "target_groups", "looking_for", "roles")

PageUrlFor = Callable[[dict], str]


def _new_id() -> str:
    return uuid.uuid4().hex


def _event(event_type: str, payload: dict, key: str, correlation_id: str | None = None) -> dict:
    return new_event(event_type, payload, key=key, producer=SERVICE, correlation_id=correlation_id)


def address_key(address: str | None, secret: str) -> str | None:
    """Where an initiative is found again by its contact's email or phone (E.164), to send a new link there:
    a keyed hash of the address, so the store holds no lookup by address and the key says nothing alone."""
    if not address or not secret:
        return None
    kind = "email" if "@" in address else "phone"
    value = address.strip().lower() if kind == "email" else address.strip()
    return hmac.new(secret.encode(), f"initiative-{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def contact_keys(contact: dict, secret: str | None) -> list[str]:
    return [k for k in (address_key(contact.get("email"), secret or ""), address_key(contact.get("phone"), secret or ""))
            if k]


def _roles(given: list[dict], kept: list[dict] | None = None) -> list[dict]:
    """Roles as stored: a role keeps its id when edited (given with its ``id``), a new one gets one."""
    known = {r["id"] for r in kept or []}
    return [{"id": r["id"] if r.get("id") in known else _new_id(), "title": r["title"],
             "description": r.get("description", ""), "themes": r.get("themes", []),
             "capacity": r.get("capacity", 1)} for r in given]


def payload(doc: dict, page_url: str | None = None) -> dict:
    """``initiative.registered`` / ``initiative.changed``: the initiative as matching and notifications use it."""
    return {"initiative_id": doc["_id"], "name": doc["name"], "description": doc["description"],
            "area": doc["area"], "themes": doc["themes"], "target_groups": doc["target_groups"],
            "looking_for": doc["looking_for"], "contact": _contact(doc), "language": doc.get("language", "nl"),
            "page_url": page_url, "pitch": bool(doc.get("pitch")),
            "roles": [{"role_id": r["id"], "title": r["title"], "description": r["description"],
                       "themes": r["themes"], "capacity": r["capacity"]} for r in doc["roles"]]}


def _contact(doc: dict) -> dict:
    c = doc["contact"]
    return {"name": c["name"], "email": c.get("email"), "phone": c.get("phone")}


def _message(doc: dict, page_url: str) -> dict:
    """``initiative.submitted`` / ``initiative.link_requested``: one message to the initiative's contact."""
    p = payload(doc, page_url)
    return {"initiative_id": doc["_id"], "name": doc["name"], "status": doc.get("status", APPROVED),
            "contact": p["contact"], "language": p["language"], "page_url": page_url, "roles": p["roles"]}


def register_initiative(store: Store, data: dict, *, page_url_for: PageUrlFor, secret: str,
                        correlation_id: str | None = None, approved: bool = False) -> dict:
    """A new initiative: ``approved`` at once from an organiser, else ``pending`` until one approves it.
    Its contact gets a confirmation with a link to its page either way (``initiative.submitted``); only an
    approved one is announced (``initiative.registered``), so nothing else presents, matches or writes to an
    initiative anyone could have entered."""
    initiative_id = _new_id()
    doc = {"_id": initiative_id, "name": data["name"], "description": data.get("description", ""),
           "area": data.get("area", ""), "contact": data["contact"], "themes": data.get("themes", []),
           "target_groups": data.get("target_groups", []), "looking_for": data.get("looking_for", []),
           "roles": _roles(data.get("roles", [])), "language": data.get("language") or "nl",
           "pitch": bool(data.get("pitch")), "status": APPROVED if approved else PENDING, "created_at": now(),
           "link_key": _new_id(), "contact_keys": contact_keys(data["contact"], secret)}
    page_url = page_url_for(doc)
    events = [_event("initiative.submitted", _message(doc, page_url), key=initiative_id,
                     correlation_id=correlation_id)]
    if approved:
        events.append(_event("initiative.registered", payload(doc, page_url), key=initiative_id,
                             correlation_id=correlation_id))
    store.insert_initiative(doc, events)
    return doc


def approve_initiative(store: Store, initiative_id: str, *, page_url_for: PageUrlFor,
                       correlation_id: str | None = None) -> dict:
    """An organiser approves a pending initiative; it is announced then, once however often approved."""
    found = store.initiative(initiative_id)
    if found is None:
        raise NotFound("No initiative with this id.")
    if found.get("status", APPROVED) == APPROVED:
        return found
    event = _event("initiative.registered", payload({**found, "status": APPROVED}, page_url_for(found)),
                   key=initiative_id, correlation_id=correlation_id)
    store.approve_initiative(initiative_id, now(), [event])
    return store.initiative(initiative_id)


def ensure_presentable(store: Store, initiative_ids: list[str]):
    """An evening presents approved initiatives only."""
    pending = [i for i in initiative_ids or [] if (store.initiative(i) or {}).get("status") == PENDING]
    if pending:
        raise Invalid("Some initiatives are not approved yet.", {"initiative_ids": ["not_approved"]})


def change_initiative(store: Store, initiative_id: str, changes: dict, *, page_url_for: PageUrlFor,
                      correlation_id: str | None = None) -> dict:
    """The initiative edits its own page (description, area, themes, target groups, what it looks for,
    roles). An approved one announces the whole of it again (``initiative.changed``) so matching and
    notifications hold what it now is; a pending one is announced as it is on approval."""
    found = store.initiative(initiative_id)
    if found is None:
        raise NotFound("No initiative with this id.")
    fields = {k: changes[k] for k in EDITABLE if k in changes}
    if "roles" in fields:
        fields["roles"] = _roles(fields["roles"], found.get("roles"))
    changed = {**found, **fields}
    events = []
    if found.get("status", APPROVED) == APPROVED:
        events.append(_event("initiative.changed", payload(changed, page_url_for(found)), key=initiative_id,
                             correlation_id=correlation_id))
    store.change_initiative(initiative_id, {**fields, "changed_at": now()}, events)
    return store.initiative(initiative_id)


def request_link(store: Store, address: str, *, page_url_for: PageUrlFor, secret: str,
                 correlation_id: str | None = None) -> None:
    """Someone asks for the link to an initiative's page by its contact's email address or mobile number
    (E.164): it is sent to the contact (``initiative.link_requested``, by email, or by SMS to a contact with
    only a phone; at most once every 5 minutes per initiative); whoever asked learns nothing, whether the
    address is known or not."""
    key = address_key(address, secret)
    for found in store.initiatives_by_contact_key(key) if key else []:
        at = now()
        event = _event("initiative.link_requested", _message(found, page_url_for(found)), key=found["_id"],
                       correlation_id=correlation_id)
        store.mark_link_sent(found["_id"], at, at - LINK_INTERVAL, [event])


def pair_id(meeting_id: str, initiative_ids: list[str]) -> str:
    a, b = sorted(initiative_ids)
    return f"{meeting_id}:{a}:{b}"


def answer_pair(store: Store, meeting_id: str, initiative_ids: list[str], initiative_id: str, answer: str,
                correlation_id: str | None = None) -> dict:
    """One initiative of a pair matching introduced answers (interested / not now; it may change its mind).
    When both say interested, the pair is accepted, once: each is sent the other's contact details and the
    report counts it (``initiative_pair.accepted``)."""
    if answer not in PAIR_ANSWERS:
        raise Invalid("Answer interested or not_now.", {"answer": ["one_of"]})
    pair = sorted(initiative_ids)
    if initiative_id not in pair or len(set(pair)) != 2:
        raise NotFound("This initiative is not part of that pair.")
    answered = _event("initiative_pair.answered", {"meeting_id": meeting_id, "initiative_ids": pair,
                                                   "initiative_id": initiative_id, "answer": answer},
                      key=meeting_id, correlation_id=correlation_id)
    doc = store.answer_pair(pair_id(meeting_id, pair), meeting_id, pair, initiative_id, answer, [answered])
    if all(doc.get("answers", {}).get(i) == INTERESTED for i in pair) and not doc.get("accepted_at"):
        both = [store.initiative(i) for i in pair]
        if all(both):
            accepted = _event("initiative_pair.accepted", {
                "meeting_id": meeting_id, "initiative_ids": pair,
                "initiatives": [{"initiative_id": d["_id"], "name": d["name"], "contact": _contact(d),
                                 "language": d.get("language", "nl")} for d in both]},
                key=meeting_id, correlation_id=correlation_id)
            doc = store.accept_pair(doc["_id"], now(), [accepted]) or doc
    return doc


def follow_up(store: Store, meeting_id: str, initiative_id: str, person_id: str, role_id: str, outcome: str,
              correlation_id: str | None = None) -> dict:
    """What became of a resident who accepted one of the initiative's roles: contacted, started, not a fit."""
    if outcome not in OUTCOMES:
        raise Invalid("Answer contacted, started or not_a_fit.", {"outcome": ["one_of"]})
    p = {"meeting_id": meeting_id, "initiative_id": initiative_id, "person_id": person_id, "role_id": role_id,
         "outcome": outcome}
    event = _event("volunteer.followed_up", p, key=meeting_id, correlation_id=correlation_id)
    store.follow_up(f"{meeting_id}:{person_id}:{initiative_id}:{role_id}", {**p, "at": now()}, [event])
    return p


def erase_contact(store: Store, initiative_id: str, *, page_url_for: PageUrlFor,
                  correlation_id: str | None = None) -> dict:
    """The initiative's contact person is erased (GDPR, or they left): their name and addresses go, the link
    to the page stops working (a new key), and consumers replace what they held (``initiative.changed``), so
    nothing more is sent to them and no partner's page shows them. An organiser can give a new contact."""
    return _replace_contact(store, initiative_id, {"name": "", "email": None, "phone": None}, None,
                            page_url_for=page_url_for, correlation_id=correlation_id)


def replace_contact(store: Store, initiative_id: str, contact: dict, *, page_url_for: PageUrlFor, secret: str,
                    correlation_id: str | None = None) -> dict:
    """A new contact person: the old link stops working and the new contact is sent the new one."""
    return _replace_contact(store, initiative_id, contact, secret, page_url_for=page_url_for,
                            correlation_id=correlation_id)


def _replace_contact(store: Store, initiative_id: str, contact: dict, secret: str | None, *,
                     page_url_for: PageUrlFor, correlation_id: str | None) -> dict:
    found = store.initiative(initiative_id)
    if found is None:
        raise NotFound("No initiative with this id.")
    fields = {"contact": contact, "link_key": _new_id(), "contact_keys": contact_keys(contact, secret),
              "changed_at": now(), "contact_erased_at": None if secret else now()}
    changed = {**found, **fields}
    page_url = page_url_for(changed)
    events = []
    if found.get("status", APPROVED) == APPROVED:
        events.append(_event("initiative.changed", payload(changed, page_url), key=initiative_id,
                             correlation_id=correlation_id))
    if secret and (contact.get("email") or contact.get("phone")):
        events.append(_event("initiative.link_requested", _message(changed, page_url), key=initiative_id,
                             correlation_id=correlation_id))
    store.change_initiative(initiative_id, fields, events)
    return store.initiative(initiative_id)
