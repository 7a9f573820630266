"""Payload schemas of the events the notifications service produces (topic wijkkracht.notifications)."""
from marshmallow import fields

from .common import PayloadSchema, channel


class DeliveryOutcomeV1(PayloadSchema):
    """delivery.sent and delivery.failed: what happened to one message."""
    delivery_id = fields.Str(required=True)
    person_id = fields.Str(allow_none=True, load_default=None)
    meeting_id = fields.Str(allow_none=True, load_default=None)
    kind = fields.Str(required=True)
    channel = channel(required=True)
    reason = fields.Str(allow_none=True, load_default=None)


SCHEMAS = {
    ("delivery.sent", 1): DeliveryOutcomeV1,
    ("delivery.failed", 1): DeliveryOutcomeV1,
}
