"""The JSON API of DESIGN §4 (registration's part): evenings, sign-ups, the door, interests, initiatives, privacy."""
import functools

from flask import current_app, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from wijkkracht.web import organiser_token_valid, require_organiser

from .. import handlers, initiatives
from ..domain.errors import NotFound
from . import schemas as s
from .initiative_page import page_url_for
from .runtime import correlation_id, person_secret, store

blp = Blueprint("api", __name__, url_prefix="/api/v1", description="Registration: evenings, sign-ups, the door")
ORGANISER = [{"organiserToken": []}]
ERRORS = {"404": "No such resource", "409": "Not possible in the evening's current state"}


def organiser_or_door(view):
    """An organiser's token, or the session of an organiser logged in at the door (the door page's script)."""
    from .security import current_organiser

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if organiser_token_valid(request.headers.get("Authorization")) or current_organiser():
            return view(*args, **kwargs)
        return require_organiser(view)(*args, **kwargs)  # its 401
    return wrapper


def cancel_url_for(registration_id: str) -> str:
    from .tokens import cancel_token  # the signed link residents get to cancel without an account
    return current_app.config["PUBLIC_BASE_URL"] + url_for("forms.cancel", token=cancel_token(registration_id))


def meeting_view(doc: dict, counts: bool = False) -> dict:
    view = dict(doc)
    if counts:
        st = store()
        view.update(confirmed=handlers.confirmed_count(st, doc), waitlisted=st.count(doc["_id"], "waitlisted"),
                    checked_in=handlers.arrivals_count(st, doc))
    return view


@blp.route("/meetings")
class Meetings(MethodView):
    @blp.response(200, s.MeetingList)
    def get(self):
        """Evenings, soonest first."""
        return {"meetings": [meeting_view(m) for m in store().meetings()]}

    @require_organiser
    @blp.arguments(s.MeetingIn)
    @blp.response(201, s.MeetingOut)
    @blp.alt_response(401, description="Organiser token missing or wrong")
    @blp.doc(security=ORGANISER)
    def post(self, data):
        """Schedule an evening (organiser). Emits ``meeting.scheduled``."""
        return meeting_view(handlers.schedule_meeting(store(), data, correlation_id()), counts=True)


@blp.route("/meetings/<meeting_id>")
class Meeting(MethodView):
    @blp.response(200, s.MeetingOut)
    @blp.alt_response(404, description="Unknown evening")
    def get(self, meeting_id):
        return meeting_view(handlers.get_meeting(store(), meeting_id), counts=True)

    @require_organiser
    @blp.arguments(s.MeetingPatch)
    @blp.response(200, s.MeetingOut)
    @blp.alt_response(401, description="Organiser token missing or wrong")
    @blp.alt_response(404, description="Unknown evening")
    @blp.alt_response(409, description="The evening is closed")
    @blp.doc(security=ORGANISER)
    def patch(self, data, meeting_id):
        """Edit an evening (organiser). A new time or venue emits ``meeting.changed``."""
        return meeting_view(handlers.change_meeting(store(), meeting_id, data, correlation_id()), counts=True)


def _lifecycle(command: str, doc: str):
    def view(meeting_id):
        return meeting_view(handlers.advance_meeting(store(), meeting_id, command, correlation_id()), counts=True)
    view.__doc__ = doc
    view.__name__ = command
    return view


for _command, _path, _doc in (("open_checkin", "open-checkin", "Open the door (organiser): meeting.checkin_opened."),
                              ("start", "start", "Start the evening (organiser): meeting.started; matching fixes "
                                                 "the groups and publishes the timetable."),
                              ("close", "close", "Close the evening (organiser): meeting.closed; matching runs.")):
    blp.route(f"/meetings/<meeting_id>/{_path}", methods=["POST"], endpoint=_command)(require_organiser(
        blp.doc(security=ORGANISER)(
            blp.alt_response(404, description="Unknown evening")(
                blp.alt_response(409, description="Not possible from the current state")(
                    blp.alt_response(401, description="Organiser token missing or wrong")(
                        blp.response(200, s.MeetingOut)(_lifecycle(_command, _doc))))))))


@blp.route("/meetings/<meeting_id>/registrations")
class Registrations(MethodView):
    @blp.arguments(s.RegistrationIn)
    @blp.response(201, s.RegistrationOut)
    @blp.alt_response(200, schema=s.RegistrationOut,
                      description="The same person signed up before: `{status: already_registered}` only (their "
                                  "confirmation is sent again to the address on file); with an organiser token, "
                                  "their registration")
    @blp.alt_response(404, description="Unknown evening")
    @blp.alt_response(409, description="The evening is closed")
    def post(self, data, meeting_id):
        """Sign up for an evening (public). Emits ``registration.created`` per person (companions too); a repeat
        emits ``registration.resent`` and answers nothing about the registration there."""
        doc, created = handlers.sign_up(store(), meeting_id, data, cancel_url_for=cancel_url_for,
                                        secret=person_secret(), correlation_id=correlation_id())
        if created:
            return handlers.sign_up_response(doc), 201
        if organiser_token_valid(request.headers.get("Authorization")):
            return handlers.sign_up_response(doc), 200
        handlers.resend_confirmation(store(), doc, correlation_id())
        return handlers.ALREADY_REGISTERED, 200

    @organiser_or_door
    @blp.arguments(s.SearchArgs, location="query")
    @blp.response(200, s.RegistrationList)
    @blp.alt_response(401, description="Organiser token missing or wrong")
    @blp.alt_response(404, description="Unknown evening")
    @blp.doc(security=ORGANISER)
    def get(self, args, meeting_id):
        """Who signed up (organiser); with ``q``, the door's search: by name (case and accents ignored, each
        word typed beginning a word of the name), personal code or the last 4-9 digits of a phone number, at
        most 10, confirmed and waitlisted only, each with ``checked_in``. The door page (an organiser's
        session) uses it too."""
        handlers.get_meeting(store(), meeting_id)
        if "q" in args:
            return {"registrations": handlers.find_at_door(store(), meeting_id, args["q"], person_secret()),
                    "searched_by": handlers.searched_by(args["q"])}
        statuses = (args["status"],) if args.get("status") else None
        return {"registrations": store().registrations(meeting_id, statuses)}


@blp.route("/registrations/<registration_id>/cancel", methods=["POST"])
@require_organiser
@blp.response(200, s.RegistrationOut)
@blp.alt_response(401, description="Organiser token missing or wrong")
@blp.alt_response(404, description="Unknown registration")
@blp.doc(security=ORGANISER)
def cancel(registration_id):
    """Cancel a registration (organiser; residents use their signed link). A waiting resident moves up."""
    return handlers.sign_up_response(handlers.cancel_registration(store(), registration_id, correlation_id()))


def checkin_view(doc: dict) -> dict:
    colour = store().colour(doc["meeting_id"], doc["person_id"]) or {}
    return {**doc, "colour": colour.get("colour"), "table": colour.get("table")}


@blp.route("/meetings/<meeting_id>/checkins")
class Checkins(MethodView):
    @require_organiser
    @blp.arguments(s.CheckinIn)
    @blp.response(201, s.CheckinOut)
    @blp.alt_response(200, schema=s.CheckinOut, description="Already checked in")
    @blp.alt_response(401, description="Organiser token missing or wrong")
    @blp.alt_response(404, description="Unknown evening or registration")
    @blp.alt_response(409, description="The evening is closed")
    @blp.doc(security=ORGANISER)
    def post(self, data, meeting_id):
        """Check in a registered resident or a walk-in (organiser). Emits ``participant.checked_in``;
        the colour follows from matching."""
        registration_id = data.pop("registration_id", None)
        walk_in = None if registration_id else data
        doc, created = handlers.check_in(store(), meeting_id, registration_id=registration_id, walk_in=walk_in,
                                         cancel_url_for=cancel_url_for,
                                         secret=person_secret(), correlation_id=correlation_id())
        return checkin_view(doc), 201 if created else 200

    @require_organiser
    @blp.response(200, s.CheckinList)
    @blp.alt_response(401, description="Organiser token missing or wrong")
    @blp.alt_response(404, description="Unknown evening")
    @blp.doc(security=ORGANISER)
    def get(self, meeting_id):
        """Arrivals so far, newest first, with their colours once assigned (organiser)."""
        handlers.get_meeting(store(), meeting_id)
        colours = store().colours(meeting_id)
        return {"checkins": [{**c, "colour": colours.get(c["person_id"], {}).get("colour"),
                              "table": colours.get(c["person_id"], {}).get("table")}
                             for c in store().checkins(meeting_id)]}


@blp.route("/meetings/<meeting_id>/checkins/<person_id>")
@require_organiser
@blp.response(200, s.ColourOut)
@blp.alt_response(401, description="Organiser token missing or wrong")
@blp.alt_response(404, description="Not checked in")
@blp.doc(security=ORGANISER)
def colour(meeting_id, person_id):
    """An arrival's colour and table (organiser); ``colour`` is null until matching has assigned it."""
    if store().checkin(meeting_id, person_id) is None:
        raise NotFound("This person has not checked in for this evening.")
    found = store().colour(meeting_id, person_id) or {}
    return {"person_id": person_id, "colour": found.get("colour"), "table": found.get("table")}


@blp.route("/meetings/<meeting_id>/checkins/<person_id>", methods=["DELETE"], endpoint="undo_checkin")
@require_organiser
@blp.response(200, s.CheckinUndoneOut)
@blp.alt_response(401, description="Organiser token missing or wrong")
@blp.alt_response(404, description="Unknown evening, or not checked in")
@blp.doc(security=ORGANISER)
def undo_checkin(meeting_id, person_id):
    """Take back a check-in done by mistake (organiser). Emits ``participant.checkin_undone`` (matching frees
    the seat); the colour no longer shows at the door, and the person can be checked in again."""
    if not handlers.undo_check_in(store(), meeting_id, person_id, correlation_id()):
        raise NotFound("This person is not checked in for this evening.", {"person_id": ["not_checked_in"]})
    return {"person_id": person_id, "checked_in": False}


@blp.route("/meetings/<meeting_id>/interests", methods=["POST"])
@require_organiser
@blp.arguments(s.InterestsIn)
@blp.response(201, s.InterestsOut)
@blp.alt_response(401, description="Organiser token missing or wrong")
@blp.alt_response(404, description="Unknown evening or person")
@blp.doc(security=ORGANISER)
def interests(data, meeting_id):
    """Which initiatives a resident wants to join (organiser). Emits ``interests.recorded``."""
    return handlers.record_interests(store(), meeting_id, data["person_id"], data["initiative_ids"],
                                     correlation_id())


def _is_organiser() -> bool:
    return organiser_token_valid(request.headers.get("Authorization"))


def initiative_view(doc: dict) -> dict:
    return {**doc, "roles": doc.get("roles", []), "status": doc.get("status", initiatives.APPROVED)}


@blp.route("/initiatives")
class Initiatives(MethodView):
    @blp.response(200, s.InitiativeList)
    def get(self):
        """Approved initiatives; with an organiser token, pending ones too."""
        found = store().initiatives() if _is_organiser() else store().initiatives(approved_only=True)
        return {"initiatives": [initiative_view(i) for i in found]}

    @blp.arguments(s.InitiativeIn)
    @blp.response(201, s.InitiativeOut)
    def post(self, data):
        """Register an initiative (public: ``pending`` until an organiser approves it; with an organiser
        token ``approved`` at once). An approved initiative is announced with ``initiative.registered``."""
        return initiative_view(initiatives.register_initiative(
            store(), data, page_url_for=page_url_for, secret=person_secret(), correlation_id=correlation_id(),
            approved=_is_organiser())), 201


@blp.route("/initiatives/<initiative_id>")
@blp.response(200, s.InitiativeOut)
@blp.alt_response(404, description="Unknown initiative")
def initiative(initiative_id):
    found = store().initiative(initiative_id)
    if found is None or (found.get("status") == initiatives.PENDING and not _is_organiser()):
        raise NotFound("No initiative with this id.")
    return initiative_view(found)


@blp.route("/initiatives/<initiative_id>/approve", methods=["POST"])
@require_organiser
@blp.response(200, s.InitiativeOut)
@blp.alt_response(401, description="Organiser token missing or wrong")
@blp.alt_response(404, description="Unknown initiative")
@blp.doc(security=ORGANISER)
def approve_initiative(initiative_id):
    """Approve a pending initiative (organiser): it is announced (``initiative.registered``) and may present,
    be matched and be written to from now on. Approving twice changes nothing."""
    return initiative_view(initiatives.approve_initiative(store(), initiative_id, page_url_for=page_url_for,
                                                          correlation_id=correlation_id()))


@blp.route("/initiatives/<initiative_id>/contact")
class InitiativeContact(MethodView):
    decorators = [require_organiser]

    @blp.arguments(s.ContactIn)
    @blp.response(200, s.InitiativeOut)
    @blp.alt_response(401, description="Organiser token missing or wrong")
    @blp.alt_response(404, description="Unknown initiative")
    @blp.doc(security=ORGANISER)
    def put(self, data, initiative_id):
        """A new contact person (organiser): the old link to the initiative's page stops working and the new
        contact is sent the new one."""
        return initiative_view(initiatives.replace_contact(store(), initiative_id, data, page_url_for=page_url_for,
                                                           secret=person_secret(), correlation_id=correlation_id()))

    @blp.response(200, s.InitiativeOut)
    @blp.alt_response(401, description="Organiser token missing or wrong")
    @blp.alt_response(404, description="Unknown initiative")
    @blp.doc(security=ORGANISER)
    def delete(self, initiative_id):
        """Erase the initiative's contact person (organiser; GDPR): name and addresses go everywhere, the link
        to the page stops working, nothing more is sent to them."""
        return initiative_view(initiatives.erase_contact(store(), initiative_id, page_url_for=page_url_for,
                                                         correlation_id=correlation_id()))


@blp.route("/people/<person_id>/export")
@require_organiser
@blp.response(200, s.ExportOut)
@blp.alt_response(401, description="Organiser token missing or wrong")
@blp.alt_response(404, description="Unknown person")
@blp.doc(security=ORGANISER)
def export(person_id):
    """Everything registration holds about a person (organiser; GDPR access)."""
    return handlers.export_person(store(), person_id)


@blp.route("/people/<person_id>", methods=["DELETE"])
@require_organiser
@blp.response(200, s.ErasedOut)
@blp.alt_response(401, description="Organiser token missing or wrong")
@blp.alt_response(404, description="Unknown person")
@blp.doc(security=ORGANISER)
def erase(person_id):
    """Erase a person (organiser; GDPR). Emits ``person.erased``; every service forgets them."""
    handlers.erase_person(store(), person_id, correlation_id())
    return {"person_id": person_id, "erased": True}
