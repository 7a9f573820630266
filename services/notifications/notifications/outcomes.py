"""What became of a delivery, as an event for others (``delivery.sent``, ``delivery.failed``,
``delivery.suppressed``): ids, kind and channel only, never an address, a text or a provider's error (which
can quote an address). It rides in the outbox of the very update that records the outcome."""
from wijkkracht.events import new_event

from . import config
from .domain import model

TYPES = {model.SENT: "delivery.sent", model.FAILED: "delivery.failed", model.SUPPRESSED: "delivery.suppressed"}


def event(status: str, delivery: dict, channel: str | None = None, reason: str | None = None) -> dict:
    """The outcome event of ``delivery`` (a delivery document, or the fields of one) reaching ``status``."""
    payload = {"delivery_id": delivery["_id"], "person_id": delivery.get("person_id"),
               "meeting_id": delivery.get("meeting_id"), "initiative_id": delivery.get("initiative_id"),
               "kind": delivery["kind"], "channel": channel or delivery.get("channel"), "reason": reason}
    key = delivery.get("meeting_id") or delivery.get("person_id") or delivery["_id"]
    return new_event(TYPES[status], payload, key=key, producer=config.SERVICE)
