"""The initiative's own page, opened by a link signed for that initiative (no account): ``/initiatief/<token>``.

The token is compact (``wijkkracht.compact_link``, 56 characters): the initiative's id and its ``link_key``,
a random value stored with it, signed with the link secret for this purpose alone. A token opens only the
initiative it names, and only while its key is the one stored; a guessed, altered or another purpose's token
gets the same 404 as an unknown one. Every form on the page posts to the same token, and acts only on what the
page shows (its own evenings, its own volunteers, its own pairs). A lost link is sent again to the contact's
email address (``/initiatieven/link``), never shown.

The page speaks the initiative's language (``?lang=`` wins); what it shows is built in ``initiative_overview``.
"""
import datetime as dt
import hmac

from flask import (Blueprint, abort, current_app, flash, g, make_response, redirect, render_template, request,
                   url_for)
from marshmallow import ValidationError
from wijkkracht import compact_link

from .. import ideas, initiatives, phones, reports
from ..domain.errors import DomainError
from . import i18n, initiative_overview as overview, initiative_edit, security
from .runtime import correlation_id, person_secret, store

bp = Blueprint("initiative_page", __name__)

PURPOSE = "initiative.page"


def page_token(doc: dict) -> str:
    return compact_link.make(current_app.config["LINK_SECRET"], PURPOSE, [doc["_id"], doc["link_key"]])


def page_url_for(doc: dict) -> str:
    """The signed link to an initiative's page, as its contact gets it."""
    return current_app.config["PUBLIC_BASE_URL"] + url_for("initiative_page.page", token=page_token(doc))


def initiative_of(token: str) -> dict | None:
    """The initiative a page token opens, or None (unknown, altered, forged, or its key since replaced)."""
    ids = compact_link.read(current_app.config["LINK_SECRET"], PURPOSE, token, 2)
    if not ids:
        return None
    found = store().initiative(ids[0])
    if found is None or not hmac.compare_digest(found.get("link_key") or "", ids[1]):
        return None
    return found


def _opened(token: str) -> dict:
    found = initiative_of(token)
    if found is None:  # the same answer for every link that opens nothing, with the way to a working one
        abort(make_response(render_template("initiative_link.html", sent=False, error=None, form={},
                                            link_broken=True, lang_form="link-form"), 404))
    if request.method == "POST" and not security.csrf_valid():
        abort(400, "csrf")
    g.person_lang = found.get("language")  # the page speaks the contact's language unless ?lang= says
    return found


def _back(token: str, anchor: str):
    return redirect(url_for("initiative_page.page", token=token, **i18n.lang_args()) + "#" + anchor, code=303)


def _render(doc: dict, token: str, form=None, errors=None, status: int = 200):
    lang = i18n.current_lang()
    view = overview.of(doc, lang)
    edit_form = form if form is not None else initiative_edit.form_of(doc)
    return render_template(
        "initiative_page.html", initiative=doc, token=token, view=view, form=edit_form, errors=errors or {},
        role_count=initiative_edit.role_count(edit_form),
        error_lines=initiative_edit.summary(errors or {}, lang), today=dt.date.today().isoformat(),
        lang_form="initiative-edit", ideas_partial="_initiative_ideas.html",
        ideas=ideas.for_initiative(store(), doc)), status


@bp.get("/initiatief/<token>")
def page(token):
    return _render(_opened(token), token)


@bp.post("/initiatief/<token>")
def save(token):
    """The edit form: save, add a role row, or switch language keeping what was typed."""
    doc = _opened(token)
    form = request.form
    if form.get(i18n.SWITCH_FIELD) or form.get("add_role"):
        return _render(doc, token, form=initiative_edit.with_extra_row(form) if form.get("add_role") else form)
    try:
        changes = initiative_edit.load(form)
    except ValidationError as exc:
        return _render(doc, token, form=form, errors=initiative_edit.errors_of(exc.messages, i18n.current_lang(), form),
                       status=400)
    initiatives.change_initiative(store(), doc["_id"], changes, page_url_for=page_url_for,
                                  correlation_id=correlation_id())
    flash(i18n.t("ip_saved"))
    return _back(token, "edit")


def _answer(token: str, find, record, thanks: str, anchor: str):
    """One of the page's answers: ``find(doc, form)`` names what the form is about if the page lists it for
    this initiative (else 404: another's resident or pair), ``record(doc, found, form)`` stores the answer."""
    doc = _opened(token)
    found = find(doc, request.form)
    if found is None:
        abort(404)
    try:
        record(doc, found, request.form)
    except DomainError:
        abort(400)
    flash(i18n.t(thanks))
    return _back(token, anchor)


@bp.post("/initiatief/<token>/vrijwilligers")
def follow_up(token):
    """What became of a resident who accepted one of our roles (only those the page lists)."""
    return _answer(
        token, lambda doc, form: overview.volunteer(doc, form.get("meeting_id", ""), form.get("person_id", ""),
                                                    form.get("role_id", "")),
        lambda doc, v, form: initiatives.follow_up(store(), v["meeting_id"], doc["_id"], v["person_id"],
                                                   v["role_id"], form.get("outcome", ""), correlation_id()),
        "ip_followed_up", "volunteers")


@bp.post("/initiatief/<token>/partners")
def answer_partner(token):
    """Our answer to an initiative matching introduced us to (only pairs the page lists)."""
    return _answer(
        token, lambda doc, form: overview.pair(doc, form.get("meeting_id", ""), form.get("partner_id", "")),
        lambda doc, p, form: initiatives.answer_pair(store(), p["meeting_id"], [doc["_id"], p["partner_id"]],
                                                     doc["_id"], form.get("answer", ""), correlation_id()),
        "ip_answered", "partners")


@bp.post("/initiatief/<token>/samen")
def together(token):
    """"We did something together": a collaboration the organiser's report counts and lists."""
    doc = _opened(token)
    form = request.form
    errors = {}
    partner_id = form.get("partner_id", "")
    if partner_id not in {p["initiative_id"] for p in overview.partner_choices(doc)}:
        errors["partner_id"] = [i18n.t("ip_err_partner")]
    try:
        on = dt.date.fromisoformat(form.get("date", ""))
        if on > dt.date.today() + dt.timedelta(days=1) or on.year < 2000:
            raise ValueError
    except ValueError:
        errors["date"] = [i18n.t("ip_err_date")]
    description = " ".join((form.get("description") or "").split())
    if not description or len(description) > reports.MAX_DESCRIPTION:
        errors["description"] = [i18n.t("ip_err_description")]
    if errors:
        return _render(doc, token, errors={f"together_{k}": v for k, v in errors.items()}, status=400)
    try:
        reports.record_collaboration(store().db, [doc["_id"], partner_id], on, description,
                                     meeting_id=overview.meeting_of_pair(doc, partner_id),
                                     recorded_by=f"initiative:{doc['_id']}")
    except DomainError:
        return _render(doc, token, errors={"together_partner_id": [i18n.t("ip_err_partner")]}, status=400)
    flash(i18n.t("ip_together_saved"))
    return _back(token, "together")


# --- a new link, sent to the contact's address ---------------------------------------------------------

@bp.route("/initiatieven/link", methods=["GET", "POST"])
def request_link():
    """Ask for the link to an initiative's page by the contact's email address or mobile number: it goes to
    the contact (never shown here); the page says the same whether the address is known or not."""
    sent = False
    error = None
    if request.method == "POST" and not security.csrf_valid():
        abort(400, "csrf")
    if request.method == "POST":
        address = _address(request.form.get("address") or "")
        if address is None:
            error = i18n.t("ip_err_address")
        elif security.over_signup_limit():
            error = i18n.t("ip_err_too_often")
        else:
            initiatives.request_link(store(), address, page_url_for=page_url_for, secret=person_secret(),
                                     correlation_id=correlation_id())
            sent = True
    return render_template("initiative_link.html", sent=sent, error=error, form=request.form,
                           lang_form=None if sent else "link-form"), 400 if error else 200


def _address(typed: str) -> str | None:
    """An email address as typed, or a phone number as E.164; None if it is neither."""
    typed = typed.strip()
    if "@" in typed:
        return typed if len(typed) <= 254 and typed.isprintable() and " " not in typed else None
    try:
        return phones.to_e164(typed) if typed else None
    except phones.InvalidPhone:
        return None
