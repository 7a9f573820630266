"""Payload schemas of the events the notifications service produces (topic wijkkracht.notifications)."""
from marshmallow import fields

from .common import PayloadSchema, channel


class DeliveryOutcomeV1(PayloadSchema):
    """delivery.sent, delivery.failed and delivery.suppressed: what became of one message, without its address
    or text. ``person_id`` is None for a message to an initiative (``initiative_id``) or once the person was
    erased; ``channel`` is None where no channel could be chosen (suppressed, or failed before one was)."""
    delivery_id = fields.Str(required=True)
    person_id = fields.Str(allow_none=True, load_default=None)
    meeting_id = fields.Str(allow_none=True, load_default=None)
    initiative_id = fields.Str(allow_none=True, load_default=None)
    kind = fields.Str(required=True)
    channel = channel(allow_none=True, load_default=None)
    reason = fields.Str(allow_none=True, load_default=None)


SCHEMAS = {
    ("delivery.sent", 1): DeliveryOutcomeV1,
    ("delivery.failed", 1): DeliveryOutcomeV1,
    ("delivery.suppressed", 1): DeliveryOutcomeV1,
}
