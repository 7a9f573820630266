"""The edit form on an initiative's page: what it does, for whom, what it looks for, and its roles (any number,
each with its themes and capacity). Role rows are ``role-<n>-<field>``; a row keeps its role's ``id`` so an
edited role stays the same role for matching; a row left empty, or ticked "remove", is dropped.
"""
from marshmallow import Schema, fields, validate
from werkzeug.datastructures import MultiDict

from . import i18n, schemas

ROLE_FIELDS = ("title", "description", "capacity")
ROLE_MESSAGES = {"title": "ip_err_role_title", "capacity": "ip_err_role_capacity", "themes": "ip_err_role_themes"}
MAX_ROLES = 50


class RoleEditIn(schemas.RoleIn):
    id = fields.Str(load_default=None, validate=validate.Length(max=64))


class InitiativeEditIn(schemas.InitiativeIn):
    """What the page edits: the registration's own fields but name and contact (the organiser's to change)."""
    roles = fields.List(fields.Nested(RoleEditIn), load_default=list, validate=validate.Length(max=MAX_ROLES))


EDITED = ("description", "area", "themes", "target_groups", "looking_for", "roles")


def form_of(doc: dict) -> MultiDict:
    """The form as the initiative is now."""
    pairs = [("description", doc.get("description", "")), ("area", doc.get("area", ""))]
    for name in ("themes", "target_groups", "looking_for"):
        pairs += [(name, code) for code in doc.get(name) or []]
    for n, role in enumerate(doc.get("roles") or []):
        pairs += [(f"role-{n}-id", role["id"]), (f"role-{n}-title", role["title"]),
                  (f"role-{n}-description", role.get("description", "")),
                  (f"role-{n}-capacity", str(role.get("capacity", 1)))]
        pairs += [(f"role-{n}-themes", code) for code in role.get("themes") or []]
    pairs.append(("role_count", str(max(1, len(doc.get("roles") or [])))))
    return MultiDict(pairs)


def role_count(form) -> int:
    try:
        return max(1, min(MAX_ROLES, int(form.get("role_count") or 1)))
    except ValueError:
        return 1


def with_extra_row(form) -> MultiDict:
    copy = MultiDict(form)
    copy["role_count"] = str(min(MAX_ROLES, role_count(form) + 1))
    return copy


def _role(form, n: int) -> dict | None:
    if form.get(f"role-{n}-remove"):
        return None
    values = {f: (form.get(f"role-{n}-{f}") or "").strip() for f in ROLE_FIELDS}
    themes = form.getlist(f"role-{n}-themes")
    if not any(values.values()) and not themes:
        return None
    role = {"title": values["title"], "description": values["description"], "themes": themes,
            "capacity": values["capacity"] or "1"}
    if form.get(f"role-{n}-id"):
        role["id"] = form.get(f"role-{n}-id")
    return role


def load(form) -> dict:
    """The changes, validated (raises ``ValidationError`` with ``roles.<i>.<field>`` keys)."""
    roles = [r for r in (_role(form, n) for n in range(role_count(form))) if r is not None]
    data = {"description": form.get("description", ""), "area": form.get("area", ""),
            "themes": form.getlist("themes"), "target_groups": form.getlist("target_groups"),
            "looking_for": form.getlist("looking_for"), "roles": roles}
    return InitiativeEditIn(only=EDITED).load(data)


def _row_of_role(form, index: int) -> int:
    """The form row of the ``index``-th role that was kept (empty and removed rows are skipped)."""
    kept = [n for n in range(role_count(form)) if _role(form, n) is not None]
    return kept[index] if index < len(kept) else index


def errors_of(messages: dict, lang: str, form=None) -> dict[str, list[str]]:
    """Field name in the form → messages in the page's language, role errors on their own row's field."""
    out: dict[str, list[str]] = {}
    for name, value in messages.items():
        if name == "roles" and isinstance(value, dict):
            for index, role_messages in value.items():
                row = _row_of_role(form, int(index)) if form is not None else int(index)
                for field, texts in (role_messages.items() if isinstance(role_messages, dict) else []):
                    out[f"role-{row}-{field}"] = [ROLE_MESSAGES.get(field) and i18n.t(ROLE_MESSAGES[field], lang)
                                                  or i18n.field_message(t, lang) for t in _texts(texts)][:1]
        else:
            out[name] = [i18n.field_message(t, lang) for t in _texts(value)]
    return out


def _texts(value) -> list[str]:
    if isinstance(value, dict):
        return [t for v in value.values() for t in _texts(v)]
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def label_of(name: str, lang: str) -> str:
    """How a field is named in the error summary: "Rol 2 – titel", "Beschrijving"."""
    if name.startswith("role-"):
        _, n, field = name.split("-", 2)
        return i18n.t("ip_role", lang).format(n=int(n) + 1) + " – " + i18n.t(f"ip_role_{field}_short", lang)
    if name.startswith("together_"):
        return i18n.t(f"ip_{name}", lang)
    return i18n.t(f"ip_field_{name}", lang)


def summary(errors: dict, lang: str) -> list[dict]:
    return [{"field": name, "text": f"{label_of(name, lang)}: {message}"}
            for name, messages in errors.items() for message in messages]

