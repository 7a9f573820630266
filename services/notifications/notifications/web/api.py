"""The delivery log (DESIGN §4) and the SMS gateway's inbound-message webhook (STOP)."""
import hmac
import logging
import uuid

from flask import current_app, request
from flask_smorest import Blueprint
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema
from prometheus_client import REGISTRY
from prometheus_client.core import GaugeMetricFamily

from wijkkracht import web
from wijkkracht.validation import Line

from .. import config
from ..adapters import sms, store
from ..domain import model

log = logging.getLogger(__name__)

blp = Blueprint("deliveries", __name__, url_prefix="/api/v1", description="What was sent to whom, and how it went")


def _db():
    return current_app.extensions["notifications.db"]


class DeliveryQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    person_id = Line(validate=validate.Length(min=1, max=100))
    meeting_id = Line(validate=validate.Length(min=1, max=100))

    @validates_schema
    def one_filter(self, data, **_kw):
        if not data.get("person_id") and not data.get("meeting_id"):
            raise ValidationError("Give person_id or meeting_id.", "person_id")


class DeliverySchema(Schema):
    id = fields.Str(required=True)
    person_id = fields.Str(allow_none=True)
    meeting_id = fields.Str(allow_none=True)
    initiative_id = fields.Str(allow_none=True)
    channel = fields.Str(allow_none=True, metadata={"enum": list(model.CHANNELS)})
    kind = fields.Str(required=True, metadata={"enum": list(model.KINDS)})
    status = fields.Str(required=True, metadata={"enum": list(model.STATUSES)})
    attempts = fields.Int(required=True)
    sent_at = fields.AwareDateTime(allow_none=True)
    due_at = fields.AwareDateTime(allow_none=True)
    reason = fields.Str(allow_none=True, metadata={"description": "Why it is waiting, failed or was suppressed "
                                                                  "(the last error; no personal data)"})
    maybe_sent = fields.Bool(required=True, metadata={
        "description": "The provider's answer was lost, or its sender stopped while holding it: the "
                       "next try first asks whether it has the message (SMS; email is sent again, same Message-ID)"})
    resends = fields.Int(required=True, metadata={"description": "How often an organiser resent it"})


class DeliveriesSchema(Schema):
    deliveries = fields.List(fields.Nested(DeliverySchema), required=True)


@blp.route("/deliveries")
@blp.alt_response(401, description="Organiser token missing or wrong")
@web.require_organiser
@blp.arguments(DeliveryQuerySchema, location="query")
@blp.response(200, DeliveriesSchema)
def list_deliveries(query):
    """The messages for one resident and/or one evening, oldest first (organiser: it names people)."""
    docs = store.deliveries(_db(), query.get("person_id"), query.get("meeting_id"))
    return {"deliveries": [_shown(d) for d in docs]}


def _shown(d: dict) -> dict:
    return {
        "id": d["_id"], "person_id": d.get("person_id"), "meeting_id": d.get("meeting_id"),
        "initiative_id": d.get("initiative_id"), "channel": d.get("channel"), "kind": d["kind"],
        "status": d["status"], "attempts": d.get("attempts", 0), "sent_at": d.get("sent_at"),
        "due_at": d.get("due_at") if d.get("due_at") != store.NOT_YET else None, "reason": d.get("reason"),
        "maybe_sent": bool(d.get("maybe_sent") or d.get("interrupted")), "resends": len(d.get("resends") or []),
    }


@blp.route("/deliveries/<delivery_id>/resend", methods=["POST"])
@blp.alt_response(401, description="Organiser token missing or wrong")
@blp.alt_response(404, description="No such delivery")
@blp.alt_response(409, description="The delivery is not failed (it is waiting, sent or suppressed)")
@web.require_organiser
@blp.response(202, DeliverySchema)
def resend_delivery(delivery_id):
    """Send a failed delivery again (organiser). Once per request: a repeated request with the same
    ``Idempotency-Key`` answers as the first did and queues nothing more; each resend is recorded."""
    key = (request.headers.get("Idempotency-Key") or "").strip()[:200] or uuid.uuid4().hex
    db = _db()
    doc = store.resend(db, delivery_id, key, by=None)
    if doc is None:
        doc = store.delivery(db, delivery_id)
        if doc is None:
            response, status = web.json_error(404, "not_found", "No such delivery.")
            return response, status
        if not any(r.get("request_id") == key for r in doc.get("resends") or []):
            response, status = web.json_error(409, "conflict", f"The delivery is {doc['status']}, not failed.")
            return response, status
    log.info("delivery resent by an organiser", extra={"delivery_id": delivery_id})
    return _shown(doc)


class InboundSmsSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    token = Line(required=True, validate=validate.Length(max=500))


class InboundResultSchema(Schema):
    stopped = fields.Bool(required=True)


@blp.route("/sms/inbound", methods=["POST"])
@blp.arguments(InboundSmsSchema, location="query")
@blp.response(200, InboundResultSchema)
def inbound_sms(query):
    """The gateway forwards replies here (``?token=`` is the shared SMS_WEBHOOK_TOKEN). ``STOP`` opts the
    number out of SMS."""
    if not hmac.compare_digest(query["token"].encode(), config.sms_webhook_token().encode()):
        response, status = web.json_error(403, "forbidden", "Unknown webhook token.")
        return response, status
    body = request.get_json(silent=True) if request.is_json else request.form.to_dict()
    sender, text = sms.parse_inbound(body if isinstance(body, dict) else {})
    if not sender or not model.is_stop_request(text):
        return {"stopped": False}
    people = store.people_with_phone(_db(), sender)
    for person_id in people:
        store.set_unsubscribed(_db(), person_id, [model.SMS])
    log.info("sms stop received", extra={"people": len(people)})
    return {"stopped": bool(people)}


class _StatusCollector:
    """Deliveries by status, read from the store at scrape time: the truth across all worker replicas."""

    def __init__(self, db):
        self.db = db

    def collect(self):
        family = GaugeMetricFamily("notifications_deliveries", "Deliveries in the store by status", labels=["status"])
        try:
            for status in model.STATUSES:
                family.add_metric([status], self.db.deliveries.count_documents({"status": status}))
        except Exception:  # noqa: BLE001 - a scrape must not fail because the store blinked
            return
        yield family


_collector = None


def install_status_metrics(db):
    global _collector  # one per process: create_app may run more than once (tests)
    if _collector is None:
        _collector = _StatusCollector(db)
        REGISTRY.register(_collector)
    else:
        _collector.db = db
