"""Field building blocks the event schemas share."""
from marshmallow import EXCLUDE, Schema, fields, validate

CHANNELS = ("email", "sms")
LANGUAGES = ("nl", "en")


class PayloadSchema(Schema):
    """Consumers read only the fields they need and ignore the rest."""

    class Meta:
        unknown = EXCLUDE


def ids(**kw):
    return fields.List(fields.Str(), **kw)


def strings(**kw):
    return fields.List(fields.Str(), **kw)


def channel(**kw):
    return fields.Str(validate=validate.OneOf(CHANNELS), **kw)


def language(**kw):
    return fields.Str(validate=validate.OneOf(LANGUAGES), load_default="nl", **kw)
