"""The fields an initiative fills in on both of its forms: the registration form (``forms.initiative``) and the
edit form on its own page (``initiative_edit``). What it does and where, for whom, what it is about, who it
looks for, and its roles, each with its own themes and capacity. The template is ``_initiative_fields.html``;
the words are the ``if_*`` keys in ``i18n``.

Roles are rows ``role_<n>_<field>`` (title, description, themes, capacity); the hidden ``role_rows`` says how
many rows the form shows. "Add a role" is a submit button, so it works without JavaScript: the same form again
with one more row, everything typed kept and nothing checked yet. A row left entirely empty is left out, and
an error of a role is shown on its own row. On the edit form a row also keeps its role's ``role_<n>_id`` (an
edited role stays the same role for matching) and may be ticked ``role_<n>_remove``.
"""
import re

from werkzeug.datastructures import MultiDict

from ..domain.vocabulary import TARGET_GROUPS, THEMES
from . import i18n, schemas

ROLE_FIELDS = ("title", "description", "themes", "capacity")
ROLE_KEY = re.compile(r"^role_(\d{1,3})_")
MAX_ROLE_ROWS = 50  # as many roles as InitiativeIn takes
TOO_LONG = re.compile(r"^(?:Longer than maximum length|Length must be between \d+ and) (\d+)\.$")
MISSING = ("Missing data for required field.", "Field may not be null.")
MISSING_KEYS = {"name": "if_err_name", "contact_name": "if_err_contact_name", "title": "if_err_role_title"}


def codes(form, name: str, known: dict) -> list[str]:
    """The ticked boxes of ``name`` that are codes we know, each once, in the order given."""
    return list(dict.fromkeys(c for c in form.getlist(name) if c in known))


def row_count(form, least: int = 1) -> int:
    """How many role rows the form shows: as many as it said it had, and at least every row it sent."""
    try:
        said = int(form.get("role_rows") or 0)
    except ValueError:
        said = 0
    sent = [int(m.group(1)) + 1 for key in form.keys() if (m := ROLE_KEY.match(key))]
    return max(least, min(MAX_ROLE_ROWS, max([said, *sent])))


def with_added_row(form, least: int = 1) -> MultiDict:
    """The same form with one more role row (none past ``MAX_ROLE_ROWS``); the template marks the new row."""
    more = MultiDict(form)
    more["role_rows"] = str(min(MAX_ROLE_ROWS, row_count(form, least) + 1))
    return more


def role_of_row(form, n: int, *, editing: bool = False) -> dict | None:
    """Row ``n`` in the API's shape, or None when it was left entirely empty (or, editing, ticked "remove")."""
    if editing and form.get(f"role_{n}_remove"):
        return None
    title = form.get(f"role_{n}_title", "").strip()
    description = form.get(f"role_{n}_description", "").strip()
    capacity = form.get(f"role_{n}_capacity", "").strip()
    themes = codes(form, f"role_{n}_themes", THEMES)
    if not (title or description or capacity or themes):
        return None
    role = {"description": description, "themes": themes}
    if title:  # missing, it is reported as "fill in a title", not as a length
        role["title"] = title
    if capacity:
        role["capacity"] = capacity
    if editing and form.get(f"role_{n}_id"):
        role["id"] = form.get(f"role_{n}_id")
    return role


def filled_rows(form, *, editing: bool = False) -> list[int]:
    """The rows that hold a role, in order: the n-th role the schema sees is the form's row ``[n]``."""
    return [n for n in range(row_count(form)) if role_of_row(form, n, editing=editing) is not None]


def data_of(form, *, editing: bool = False) -> dict:
    """The shared fields in the API's shape, so the same schema validates the forms and the API."""
    return {
        "description": form.get("description", "").strip(),
        "area": form.get("area", "").strip(),
        "themes": codes(form, "themes", THEMES),
        "target_groups": codes(form, "target_groups", TARGET_GROUPS),
        "looking_for": codes(form, "looking_for", {**TARGET_GROUPS, **THEMES}),
        "roles": [role_of_row(form, n, editing=editing) for n in filled_rows(form, editing=editing)],
    }


def message(field: str, text: str, lang: str) -> str:
    """Why a field was refused, in the form's words: an empty name is "Vul de naam van jullie initiatief in."."""
    if text == schemas.INITIATIVE_CONTACT_MESSAGE:
        return i18n.t("if_err_contact", lang)
    if text in MISSING and field in MISSING_KEYS:
        return i18n.t(MISSING_KEYS[field], lang)
    if field == "capacity":
        return i18n.t("if_err_capacity", lang)
    too_long = TOO_LONG.match(text)
    if too_long:
        return i18n.t("if_err_too_long", lang).format(n=too_long.group(1))
    return i18n.field_message(text, lang)


def _texts(value) -> list[str]:
    if isinstance(value, dict):
        return [text for v in value.values() for text in _texts(v)]
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def errors_of(messages: dict, lang: str, rows: list[int]) -> dict[str, list[str]]:
    """marshmallow's nested messages as ``{form field: [why, in the form's language]}``; a role's errors go to
    its own row (``rows``: the form row of each role the schema saw, as ``filled_rows`` gives them)."""
    errors: dict[str, list[str]] = {}

    def put(name: str, field: str, value):
        errors.setdefault(name, []).extend(message(field, m, lang) for m in _texts(value))

    for field, value in messages.items():
        if field == "contact" and isinstance(value, dict):
            for name, msgs in value.items():
                put("contact_name" if name == "_schema" else f"contact_{name}", f"contact_{name}", msgs)
        elif field == "roles" and isinstance(value, dict):
            for index, sub in value.items():
                row = rows[index] if isinstance(index, int) and 0 <= index < len(rows) else 0
                for name, msgs in (sub.items() if isinstance(sub, dict) else [("title", sub)]):
                    put(f"role_{row}_{name if name != '_schema' else 'title'}", name, msgs)
        else:
            put(field, field, value)
    return errors


def labels(lang: str, rows: int) -> dict[str, str]:
    """How the error summary names each shared field: "Wat jullie doen", "Rol 2 – titel"."""
    named = {"description": i18n.t("if_label_description", lang), "area": i18n.t("area", lang),
             "target_groups": i18n.t("if_for_whom", lang), "themes": i18n.t("if_themes", lang),
             "looking_for": i18n.t("if_looking_for", lang), "roles": i18n.t("if_roles", lang)}
    for n in range(rows):
        for field in ROLE_FIELDS:
            named[f"role_{n}_{field}"] = i18n.t("if_label_role", lang).format(
                n=n + 1, field=i18n.t(f"if_short_{field}", lang))
    return named
