"""The organiser's matches page for one evening: every suggestion matching made (the resident, the initiative and
role, why), every introduction between initiatives (why), what was sent about each and how residents answered.

Organiser only (it names residents). Everything comes from registration's own database: the read model the
report keeps from matching's and notifications' events, and the evening's registrations for the names.
"""
from flask import Blueprint, abort, render_template

from .. import initiatives
from ..adapters.reports_store import ReportStore
from ..domain import report as figures
from . import i18n, security
from .runtime import store

bp = Blueprint("matches", __name__)

RESIDENT_KINDS = ("thanks", "introduction")  # the suggestions message; the introduction after a yes


def reasons_in(reasons, lang: str) -> list[str]:
    if isinstance(reasons, dict):
        return list(reasons.get(lang) or reasons.get("nl") or [])
    return list(reasons or [])


def _sent(deliveries: list[dict]) -> list[dict]:
    """What became of messages, newest kind last: ``{kind, status, channel}``."""
    order = {"thanks": 0, "initiative_introduction": 0, "introduction": 1}
    return [{"kind": d["kind"], "status": d["status"], "channel": d.get("channel")}
            for d in sorted(deliveries, key=lambda d: (order.get(d["kind"], 2), str(d.get("at"))))]


def evening_matches(meeting_id: str, lang: str) -> dict | None:
    """The page's rows, or None for an unknown evening."""
    meeting = store().meeting(meeting_id)
    if meeting is None:
        return None
    db = store().db
    reports = ReportStore(db)
    evening = reports.evening(meeting_id) or {}
    answers = evening.get("answers") or {}
    names = {r["person_id"]: r["name"] for r in store().registrations(meeting_id)}
    known: dict[str, dict] = {}

    def initiative(initiative_id: str) -> dict:
        if initiative_id not in known:
            known[initiative_id] = store().initiative(initiative_id) or {"name": initiative_id, "roles": []}
        return known[initiative_id]

    deliveries = reports.deliveries(meeting_id)
    of_person: dict[str, list[dict]] = {}
    of_initiative: dict[str, list[dict]] = {}
    for d in deliveries:
        if d.get("person_id") and d["kind"] in RESIDENT_KINDS:
            of_person.setdefault(d["person_id"], []).append(d)
        elif d.get("initiative_id") and d["kind"] == "initiative_introduction":
            of_initiative.setdefault(d["initiative_id"], []).append(d)

    residents = []
    for doc in sorted(reports.suggestions(meeting_id), key=lambda s: (names.get(s["person_id"]) or "").lower()):
        person_id = doc["person_id"]
        rows = []
        for s in doc.get("suggestions") or []:
            found = initiative(s["initiative_id"])
            role = next((r for r in found.get("roles") or [] if r.get("id") == s.get("role_id")), {})
            rows.append({"initiative": found["name"], "role": role.get("title") or "",
                         "reasons": reasons_in(s.get("reasons"), lang),
                         "answer": answers.get(f"{person_id}:{s['initiative_id']}:{s.get('role_id')}")})
        residents.append({"name": names.get(person_id) or i18n.t("matches_unknown_resident", lang),
                          "suggestions": rows, "sent": _sent(of_person.get(person_id, []))})

    pairs = []
    answered = {d["_id"]: d for d in store().pair_answers_at(meeting_id)}
    for pair in sorted(reports.pairs(meeting_id), key=lambda p: -(p.get("score") or 0)):
        given = answered.get(initiatives.pair_id(meeting_id, pair["initiative_ids"])) or {}
        pairs.append({"names": [initiative(i)["name"] for i in pair["initiative_ids"]],
                      "reasons": reasons_in(pair.get("reasons"), lang),
                      "answers": [{"initiative": initiative(i)["name"], "answer": (given.get("answers") or {}).get(i)}
                                  for i in pair["initiative_ids"]],
                      "accepted": bool(given.get("accepted_at")),
                      "sent": [{"initiative": initiative(i)["name"], "messages": _sent(of_initiative.get(i, []))}
                               for i in pair["initiative_ids"]]})

    suggestions = [row for r in residents for row in r["suggestions"]]
    return {"meeting": meeting, "residents": residents, "pairs": pairs,
            "counts": {"suggestions": len(suggestions), "residents": len(residents),
                       "accepted": sum(1 for row in suggestions if row["answer"] == figures.ACCEPTED),
                       "declined": sum(1 for row in suggestions if row["answer"] == figures.DECLINED),
                       "pairs": len(pairs), "pairs_accepted": sum(1 for p in pairs if p["accepted"])}}


@bp.get("/organisator/avond/<meeting_id>/koppelingen")
@security.organiser_required
def matches(meeting_id):
    lang = i18n.current_lang()
    page = evening_matches(meeting_id[:64], lang)
    if page is None:
        abort(404)
    return render_template("matches.html", **page)
