"""The initiative's own page, opened by a link signed for that initiative (no account): ``/initiatief/<token>``.

The token is compact (``wijkkracht.compact_link``, 56 characters): the initiative's id and its ``link_key``,
a random value stored with it, signed with the link secret for this purpose alone. A token opens only the
initiative it names, and only while its key is the one stored; a guessed, altered or another purpose's token
gets the same 404 as an unknown one. A lost link is sent again to the contact's email address
(``/initiatieven/link``), never shown.
"""
import hmac

from flask import Blueprint, abort, current_app, url_for
from wijkkracht import compact_link

from .runtime import store

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
    if found is None:
        abort(404)
    return found


@bp.get("/initiatief/<token>")
def page(token):
    found = _opened(token)
    return found["name"]
