"""Pieces the matching api's blueprints share."""
from marshmallow import Schema, fields


class Lang(fields.Str):
    """``nl`` or ``en``; anything else shows Dutch rather than an error page (lenient on purpose)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        return "en" if text.lower().startswith("en") else "nl"


class LangQuery(Schema):
    lang = Lang(load_default="nl", metadata={"description": "nl (default) or en"})
