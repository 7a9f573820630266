"""The resident's evening page, opened from the link in their colour message (``/t/<token>``, signed for that
person at that evening with the link secret, wijkkracht.evening_link): their colour, their table and its
rounds, in their language; once the evening has started, the initiatives they would like to join, ticked
on their own phone and recorded as the console records them (``interests.recorded``).

A forged or cut token, a cancelled registration or an erased person: a 404 that names nobody.
"""
from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from wijkkracht import evening_link

from .. import handlers
from ..domain import model
from ..domain import programme as plan
from ..domain.vocabulary import COLOURS
from . import i18n, security
from .programme import card_view, colour_name, initiative_names, local_time
from .runtime import correlation_id, store

bp = Blueprint("evening_page", __name__)


def link_for(meeting_id: str, person_id: str) -> str | None:
    """The page's full address for this person (what notifications puts in the colour message)."""
    return evening_link.url(current_app.config["PUBLIC_BASE_URL"], current_app.config["LINK_SECRET"],
                            meeting_id, person_id)


def _gone():
    lang = i18n.current_lang()
    return render_template("error.html", message=i18n.t("link_gone", lang), status=404,
                           **_lang_helpers(lang)), 404


def _lang_helpers(lang: str) -> dict:
    other = "en" if lang == "nl" else "nl"
    return {"lang": lang, "t": lambda key: i18n.t(key, lang), "when": lambda d: i18n.when(d, lang),
            "other_lang": other, "switch_url": f"{request.path}?lang={other}",
            "lang_url": lambda endpoint, **values: url_for(endpoint, **values, **({"lang": lang} if lang != "nl" else {})),
            "colour_label": lambda c: colour_name(c, lang), "lang_form": None}


def _resident(token: str):
    """(meeting, registration) the token is for, or None when it must show nothing personal."""
    ids = evening_link.read(current_app.config["LINK_SECRET"], token)
    if ids is None:
        return None
    meeting_id, person_id = ids
    meeting = store().meeting(meeting_id)
    registration = store().registration_of(meeting_id, person_id)
    if (meeting is None or registration is None or registration.get("erased_at")
            or registration["status"] == model.CANCELLED or store().is_erased(person_id)):
        return None
    return meeting, registration


def _lang(registration: dict) -> str:
    for value in (request.args.get("lang"), request.form.get("lang")):
        if value in i18n.LANGS:
            return value
    language = registration.get("language")
    return language if language in i18n.LANGS else "nl"


@bp.route("/t/<token>", methods=["GET", "POST"])
def evening(token):
    found = _resident(token)
    if found is None:
        return _gone()
    meeting, registration = found
    lang = _lang(registration)
    person_id = registration["person_id"]
    initiatives = [i for i in (store().initiative(x) for x in meeting.get("initiative_ids") or []) if i]
    may_choose = meeting["status"] == model.STARTED
    if request.method == "POST":
        if not security.csrf_valid():
            abort(400, "csrf")
        if not may_choose:
            return redirect(url_for("evening_page.evening", token=token, **({"lang": lang} if lang != "nl" else {})),
                            code=303)
        known = {i["_id"] for i in initiatives}
        chosen = [i for i in dict.fromkeys(request.form.getlist("initiative_ids")) if i in known]
        handlers.record_interests(store(), meeting["_id"], person_id, chosen, correlation_id())
        args = {"lang": lang} if lang != "nl" else {}
        return redirect(url_for("evening_page.evening", token=token, saved=1, **args) + "#join", code=303)

    seat = store().colour(meeting["_id"], person_id)
    rounds = plan.rounds(meeting.get("schedule"), meeting.get("slot_minutes") or 20)
    names = initiative_names(meeting, rounds)
    rows = plan.seat_of(rounds, seat and seat.get("table"), seat and seat.get("colour"))
    my_card = card_view(plan.Card(rows[0].seat.table, rows[0].seat.colour, tuple(rows)), names, lang) if rows else None
    current = next((i["initiative_ids"] for i in store().interests_of_person(person_id)
                    if i["meeting_id"] == meeting["_id"]), [])
    colour = seat.get("colour") if seat else None
    response = current_app.make_response(render_template(
        "evening_page.html", meeting=meeting, first_name=(registration.get("name") or "").split(" ")[0],
        colour=colour, colour_text=colour_name(colour, lang) if colour else None,
        known_colour=colour in COLOURS, table=seat.get("table") if seat else None, card=my_card,
        initiatives=initiatives, current=current, may_choose=may_choose,
        closed=meeting["status"] == model.CLOSED, saved=request.args.get("saved") == "1",
        started_at=local_time(rounds[0].starts_at) if rounds else None, **_lang_helpers(lang)))
    # The page names a person: no cache keeps it, and its address is not passed on to other sites.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
