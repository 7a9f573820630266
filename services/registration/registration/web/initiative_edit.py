"""The edit form on an initiative's page: what it does, for whom, what it looks for, and its roles: the fields of
its registration (``initiative_fields``) but the name and contact (the organiser's to change). A role row keeps
its role's ``id`` so an edited role stays the same role for matching; a row left empty, or ticked "remove", is
dropped.
"""
from marshmallow import fields, validate
from werkzeug.datastructures import MultiDict

from . import i18n, initiative_fields, schemas

EDITED = ("description", "area", "themes", "target_groups", "looking_for", "roles")


class RoleEditIn(schemas.RoleIn):
    id = fields.Str(load_default=None, validate=validate.Length(max=64))


class InitiativeEditIn(schemas.InitiativeIn):
    """What the page edits (``EDITED``): roles may carry their ids."""
    roles = fields.List(fields.Nested(RoleEditIn), load_default=list,
                        validate=validate.Length(max=initiative_fields.MAX_ROLE_ROWS))


def form_of(doc: dict) -> MultiDict:
    """The form as the initiative is now."""
    pairs = [("description", doc.get("description", "")), ("area", doc.get("area", ""))]
    for name in ("themes", "target_groups", "looking_for"):
        pairs += [(name, code) for code in doc.get(name) or []]
    for n, role in enumerate(doc.get("roles") or []):
        pairs += [(f"role_{n}_id", role["id"]), (f"role_{n}_title", role["title"]),
                  (f"role_{n}_description", role.get("description", "")),
                  (f"role_{n}_capacity", str(role.get("capacity", 1)))]
        pairs += [(f"role_{n}_themes", code) for code in role.get("themes") or []]
    pairs.append(("role_rows", str(len(doc.get("roles") or []))))
    return MultiDict(pairs)


def role_count(form) -> int:
    """How many role rows the form shows (at least one)."""
    return initiative_fields.row_count(form)


def with_extra_row(form) -> MultiDict:
    return initiative_fields.with_added_row(form)


def load(form) -> dict:
    """The changes, validated (raises ``ValidationError`` with ``roles.<i>.<field>`` keys)."""
    return InitiativeEditIn(only=EDITED).load(initiative_fields.data_of(form, editing=True))


def errors_of(messages: dict, lang: str, form) -> dict[str, list[str]]:
    """Field name in the form → messages in the page's language, role errors on their own row's field."""
    return initiative_fields.errors_of(messages, lang, initiative_fields.filled_rows(form, editing=True))


def summary(errors: dict, lang: str) -> list[dict]:
    """The error summary's lines, each naming its field: "Rol 2 – titel: Vul een titel in."; the page's other
    form ("we did something together") has its fields ``together_*``."""
    labels = initiative_fields.labels(lang, initiative_fields.row_count(errors))  # every row an error is on
    labels.update({name: i18n.t(f"ip_{name}", lang) for name in errors if name.startswith("together_")})
    return [{"field": name, "text": f"{labels.get(name, name)}: {message}"}
            for name, messages in errors.items() for message in messages]
