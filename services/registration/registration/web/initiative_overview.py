"""What an initiative's page shows of its evenings, built from registration's own database: the evenings it
presents at with its tables and times, and after each evening the residents who accepted one of its roles
(with the contact details they agreed to share by accepting), how many were interested at its tables, the
initiatives it was introduced to with the reasons and both answers, and its collaborations.

Only ever about the one initiative: every list is filtered by its id, and the forms' targets are checked
against these lists (``volunteer``, ``pair``), so a page cannot reach another's residents or pairs. A person
erased is left out (their registration no longer names them).
"""
from ..adapters.reports_store import ReportStore
from ..domain import model, programme as plan
from ..domain import report as figures
from .. import initiatives, reports
from . import i18n
from .matches_page import reasons_in
from .programme import colour_name, local_time
from .runtime import store

CLOSED = model.CLOSED


def _my_rounds(meeting: dict, initiative_id: str, lang: str) -> list[dict]:
    rounds = plan.rounds(meeting.get("schedule"), meeting.get("slot_minutes") or 20)
    return [{"number": r.number, "start": local_time(r.starts_at), "end": local_time(r.ends_at),
             "table": s.table, "colour": s.colour, "colour_label": colour_name(s.colour, lang)}
            for r in rounds for s in r.seats if s.initiative_id == initiative_id]


def _accepted(evening: dict, initiative_id: str) -> list[tuple[str, str]]:
    """(person_id, role_id) of each resident who accepted one of this initiative's roles at an evening."""
    found = []
    for key, answer in (evening.get("answers") or {}).items():
        person_id, of, role_id = (key.split(":") + ["", ""])[:3]
        if of == initiative_id and answer == figures.ACCEPTED:
            found.append((person_id, role_id))
    return found


def _interested(evening: dict, initiative_id: str) -> int:
    return sum(1 for ids in (evening.get("interests") or {}).values() if initiative_id in (ids or []))


def _contact(doc: dict) -> dict:
    c = doc.get("contact") or {}
    return {"name": c.get("name"), "email": c.get("email"), "phone": c.get("phone")}


def _volunteers(meeting: dict, evening: dict, doc: dict, followups: dict) -> list[dict]:
    roles = {r["id"]: r["title"] for r in doc.get("roles") or []}
    out = []
    for person_id, role_id in _accepted(evening, doc["_id"]):
        registration = store().registration_of(meeting["_id"], person_id)
        if registration is None or registration.get("erased_at") or store().is_erased(person_id):
            continue
        followed = followups.get(f"{meeting['_id']}:{person_id}:{doc['_id']}:{role_id}") or {}
        out.append({"meeting_id": meeting["_id"], "person_id": person_id, "role_id": role_id,
                    "role": roles.get(role_id, ""), "name": registration.get("name"),
                    "email": registration.get("email"), "phone": registration.get("phone"),
                    "outcome": followed.get("outcome")})
    return sorted(out, key=lambda v: (v["name"] or "").lower())


def _pairs(meeting: dict, doc: dict, answers: dict, lang: str) -> list[dict]:
    out = []
    for pair in ReportStore(store().db).pairs(meeting["_id"]):
        if doc["_id"] not in pair.get("initiative_ids", []):
            continue
        partner_id = next(i for i in pair["initiative_ids"] if i != doc["_id"])
        partner = store().initiative(partner_id)
        if partner is None:
            continue
        mine = answers.get(initiatives.pair_id(meeting["_id"], pair["initiative_ids"])) or {}
        given = mine.get("answers") or {}
        accepted = bool(mine.get("accepted_at"))
        out.append({"meeting_id": meeting["_id"], "partner_id": partner_id, "name": partner["name"],
                    "description": partner.get("description", ""), "reasons": reasons_in(pair.get("reasons"), lang),
                    "mine": given.get(doc["_id"]), "accepted": accepted,
                    "contact": _contact(partner) if accepted else None})
    return out


def of(doc: dict, lang: str) -> dict:
    """The page's evenings (soonest first), each with its rounds and, once over, its outcomes."""
    followups = store().followups_of(doc["_id"])
    answers = store().pair_answers_of(doc["_id"])
    reports_store = ReportStore(store().db)
    evenings = []
    for meeting in store().evenings_presenting(doc["_id"]):
        item = {"meeting": meeting, "when": i18n.when(meeting["starts_at"], lang),
                "rounds": _my_rounds(meeting, doc["_id"], lang), "closed": meeting.get("status") == CLOSED}
        if item["closed"]:
            evening = reports_store.evening(meeting["_id"]) or {}
            item.update(volunteers=_volunteers(meeting, evening, doc, followups),
                        interested=_interested(evening, doc["_id"]), pairs=_pairs(meeting, doc, answers, lang))
        evenings.append(item)
    return {"evenings": evenings, "collaborations": _collaborations(doc),
            "partner_choices": partner_choices(doc)}


def _collaborations(doc: dict) -> list[dict]:
    names = {}
    out = []
    for c in reports.collaborations(store().db, doc["_id"]):
        partner_id = next((i for i in c["initiative_ids"] if i != doc["_id"]), None)
        if partner_id not in names:
            names[partner_id] = (store().initiative(partner_id) or {}).get("name", "")
        out.append({**c, "partner": names[partner_id]})
    return out


def _introduced(doc: dict) -> list[dict]:
    """Pairs matching introduced this initiative to, at the evenings it presented at."""
    found = []
    for meeting in store().evenings_presenting(doc["_id"]):
        for pair in ReportStore(store().db).pairs(meeting["_id"]):
            if doc["_id"] in pair.get("initiative_ids", []):
                partner_id = next(i for i in pair["initiative_ids"] if i != doc["_id"])
                found.append({"meeting_id": meeting["_id"], "partner_id": partner_id})
    return found


def volunteer(doc: dict, meeting_id: str, person_id: str, role_id: str) -> dict | None:
    """The accepted resident a follow-up form names, if the page lists them for this initiative."""
    meeting = store().meeting(meeting_id)
    if meeting is None or doc["_id"] not in (meeting.get("initiative_ids") or []):
        return None
    evening = ReportStore(store().db).evening(meeting_id) or {}
    if (person_id, role_id) not in _accepted(evening, doc["_id"]) or store().is_erased(person_id):
        return None
    return {"meeting_id": meeting_id, "person_id": person_id, "role_id": role_id}


def pair(doc: dict, meeting_id: str, partner_id: str) -> dict | None:
    """The introduction an answer names, if matching made it for this initiative."""
    return next((p for p in _introduced(doc) if p["meeting_id"] == meeting_id and p["partner_id"] == partner_id),
                None)


def meeting_of_pair(doc: dict, partner_id: str) -> str | None:
    return next((p["meeting_id"] for p in _introduced(doc) if p["partner_id"] == partner_id), None)


def partner_choices(doc: dict) -> list[dict]:
    """Who "we did something together" can name: the initiatives it was introduced to first, then those it
    presented beside at its evenings (approved ones only). Any other pair an organiser records in the report."""
    introduced = [p["partner_id"] for p in _introduced(doc)]
    beside = [i for m in store().evenings_presenting(doc["_id"]) for i in m.get("initiative_ids") or []]
    ids = [i for i in dict.fromkeys(introduced + beside) if i != doc["_id"]]
    names = store().approved_initiative_names(ids)
    return [{"initiative_id": i, "name": names[i], "introduced": i in introduced} for i in ids if i in names]
