"""From a delivery and the read model to what the recipient reads: recipient, template, context, attachments."""
import dataclasses

from . import links
from .domain import ics, model

COLOUR_EN = {"rood": "red", "blauw": "blue", "groen": "green", "geel": "yellow", "oranje": "orange",
             "paars": "purple", "roze": "pink", "wit": "white", "zwart": "black", "bruin": "brown"}

PERSON, INITIATIVE = "person", "initiative"


@dataclasses.dataclass
class Outgoing:
    template: str
    language: str
    context: dict
    attachments: list = dataclasses.field(default_factory=list)  # (filename, mime, bytes)


def _initiative_recipient(initiative: dict | None, named: dict | None = None) -> dict | None:
    """The initiative's contact, in the initiative's language. ``named``: the initiative as the delivery's own
    event named it (a pair accepted): its contact and language then, the read model's where it names none."""
    if not initiative and not named:
        return None
    initiative = initiative or {}
    named = named or {}
    contact = named.get("contact") or initiative.get("contact") or {}
    return {"name": contact.get("name") or named.get("name") or initiative.get("name"),
            "email": contact.get("email"), "phone": contact.get("phone"), "preferred_channel": model.EMAIL,
            "language": named.get("language") or initiative.get("language") or "nl",
            "unsubscribed": initiative.get("unsubscribed") or {}}


def _named(delivery: dict, initiative_id: str | None) -> dict | None:
    """An initiative as the delivery's own event named it (``initiatives`` of a pair accepted), or None."""
    return next((i for i in (delivery.get("data") or {}).get("initiatives") or []
                 if i.get("initiative_id") == initiative_id), None)


def recipient(delivery: dict, ctx: dict) -> dict | None:
    """Who receives it, with addresses and preferences: a resident from the read model, or an initiative."""
    if delivery.get("audience") == INITIATIVE:
        initiative_id = delivery.get("initiative_id")
        return _initiative_recipient(ctx["initiatives"].get(initiative_id), _named(delivery, initiative_id))
    return ctx["people"].get(delivery.get("person_id"))


def _initiative_view(initiative: dict | None, named: dict | None = None) -> dict:
    initiative = initiative or {}
    named = named or {}
    contact = named.get("contact") or initiative.get("contact") or {}
    return {"name": named.get("name") or initiative.get("name") or "een initiatief",
            "description": initiative.get("description") or "",
            "contact_name": contact.get("name") or "", "contact_email": contact.get("email"),
            "contact_phone": contact.get("phone")}


def _own_page_url(delivery: dict, ctx: dict) -> str | None:
    if delivery.get("audience") != INITIATIVE:
        return None
    return (ctx["initiatives"].get(delivery.get("initiative_id")) or {}).get("page_url")


def _role_title(initiative: dict | None, role_id: str | None) -> str:
    return ((initiative or {}).get("roles") or {}).get(role_id or "", "")


def compose(delivery: dict, to: dict, ctx: dict, *, unsubscribe_url: str | None) -> Outgoing:
    kind, data = delivery["kind"], delivery.get("data") or {}
    lang = to.get("language") or "nl"
    meeting = ctx["meetings"].get(delivery.get("meeting_id"))
    registration = ctx["registrations"].get(delivery.get("registration_id")) or data
    context = {
        "name": (to.get("name") or "").split(" ")[0] if delivery.get("audience") != INITIATIVE else to.get("name"),
        "meeting": meeting, "code": registration.get("code"), "cancel_url": registration.get("cancel_url"),
        "unsubscribe_url": unsubscribe_url, "colour_label": "", "table": "", "suggestions": [],
        "initiative": {}, "other": {}, "resident": {}, "role_title": "", "reasons": [], "shared": False,
        # An initiative's confirmation: its status, the roles it registered, where to ask for its link again.
        "status": None, "roles": [], "request_link_url": None,
        # A message to an initiative links to its own page (signed for it: never in a message to anyone else).
        "page_url": _own_page_url(delivery, ctx),
        # A companion hears who signed them up (their own message, their own cancel link).
        "signed_up_by": data.get("signed_up_by"),
        "evening_url": None,
        "list_url": None,  # a thank-you's short link to all of the resident's suggestions (for the SMS)
    }
    template, attachments = kind, []
    if kind in (model.CONFIRMATION, model.WAITLIST_PROMOTION, model.MEETING_CHANGED) and meeting:
        invite = ics.evening(meeting["_id"], meeting["title"], meeting["starts_at"], meeting["venue"],
                             description=meeting.get("area", ""), sequence=int(meeting.get("sequence") or 0))
        attachments.append(("wijkkracht.ics", "text/calendar", invite.encode("utf-8")))
    if kind in (model.COLOUR, model.COLOUR_CHANGED):  # (changed: their table closed at the start)
        colour, before = data.get("colour", ""), data.get("changed_from") or ""
        context["colour_label"] = COLOUR_EN.get(colour, colour) if lang == "en" else colour
        context["changed_from_label"] = COLOUR_EN.get(before, before) if lang == "en" else before
        context["table"] = data.get("table", "")
        context["evening_url"] = links.evening_url(delivery.get("meeting_id"), delivery.get("person_id"))
    elif kind == model.THANKS:
        suggestions = []
        for s in data.get("suggestions") or []:
            initiative = ctx["initiatives"].get(s.get("initiative_id"))
            reasons = (s.get("reasons") or {}).get(lang) or (s.get("reasons") or {}).get("nl") or []
            suggestions.append({"initiative_name": (initiative or {}).get("name") or "een initiatief",
                                "role_title": _role_title(initiative, s.get("role_id")), "reasons": reasons,
                                "accept_url": s.get("accept_url"), "decline_url": s.get("decline_url")})
        context["suggestions"] = suggestions
        context["list_url"] = data.get("list_url")
    elif kind == model.INTRODUCTION:
        initiative = ctx["initiatives"].get(delivery.get("initiative_id"))
        resident = ctx["people"].get(data.get("resident_id")) or {}
        shared = bool((resident.get("consent") or {}).get("share_with_initiatives"))
        context.update(initiative=_initiative_view(initiative), role_title=_role_title(initiative, data.get("role_id")),
                       shared=shared)
        if delivery.get("audience") == INITIATIVE:
            template = "introduction_initiative"
            # Contact details of a resident go to an initiative only with the resident's consent.
            context["resident"] = {"name": resident.get("name") or "Een bewoner",
                                   "email": resident.get("email") if shared else None,
                                   "phone": resident.get("phone") if shared else None}
    elif kind == model.INITIATIVE_INTRODUCTION:
        ids = data.get("initiative_ids") or []
        other_id = next((i for i in ids if i != delivery.get("initiative_id")), None)
        context.update(initiative=_initiative_view(ctx["initiatives"].get(delivery.get("initiative_id"))),
                       other=_initiative_view(ctx["initiatives"].get(other_id)),
                       reasons=(data.get("reasons") or {}).get(lang) or (data.get("reasons") or {}).get("nl") or [])
    elif kind in (model.INITIATIVE_CONFIRMATION, model.INITIATIVE_LINK):
        context.update(initiative=_initiative_view(ctx["initiatives"].get(delivery.get("initiative_id"))),
                       status=data.get("status") or "approved", roles=data.get("roles") or [],
                       request_link_url=links.initiative_link_request_url())
    elif kind == model.INITIATIVE_PAIR_ACCEPTED:
        own_id = delivery.get("initiative_id")
        other_id = next((i for i in data.get("initiative_ids") or [] if i != own_id), None)
        context.update(initiative=_initiative_view(ctx["initiatives"].get(own_id), _named(delivery, own_id)),
                       other=_initiative_view(ctx["initiatives"].get(other_id), _named(delivery, other_id)))
    return Outgoing(template, lang, context, attachments)


def context_missing(delivery: dict, ctx: dict) -> str | None:
    """What an introduction still waits for (the initiative or the resident), or None."""
    if delivery["kind"] == model.INTRODUCTION:
        if delivery.get("initiative_id") not in ctx["initiatives"]:
            return "waiting for the initiative"
        if delivery.get("data", {}).get("resident_id") not in ctx["people"]:
            return "waiting for the resident"
    if delivery["kind"] == model.INITIATIVE_INTRODUCTION:
        if any(i not in ctx["initiatives"] for i in delivery.get("data", {}).get("initiative_ids") or []):
            return "waiting for the initiatives"
    if delivery["kind"] in (model.INITIATIVE_CONFIRMATION, model.INITIATIVE_LINK):
        if delivery.get("initiative_id") not in ctx["initiatives"]:
            return "waiting for the initiative"
    return None
