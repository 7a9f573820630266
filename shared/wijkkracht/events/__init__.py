"""The event envelope and the registry of every event type's payload schema.

Every message on Kafka is one JSON envelope (DESIGN §2). The producing service owns each payload schema;
consumers validate before they act and ignore fields they don't know.
"""
import datetime as dt
import uuid

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from . import matching, notifications, registration

SCHEMAS: dict[tuple[str, int], type[Schema]] = {
    **registration.SCHEMAS,
    **matching.SCHEMAS,
    **notifications.SCHEMAS,
}


class InvalidEvent(Exception):
    """A message that is not a valid event: it goes to the dead-letter topic with this reason."""


class EnvelopeSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    event_id = fields.UUID(required=True)
    type = fields.Str(required=True, validate=validate.Length(min=1, max=100))
    version = fields.Int(required=True, validate=validate.Range(min=1))
    occurred_at = fields.AwareDateTime(required=True)
    producer = fields.Str(required=True)
    correlation_id = fields.Str(required=True)
    key = fields.Str(required=True)
    payload = fields.Dict(required=True)


def latest_version(event_type: str) -> int:
    versions = [v for (t, v) in SCHEMAS if t == event_type]
    if not versions:
        raise KeyError(f"unknown event type {event_type!r}")
    return max(versions)


def utcnow_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")


def new_event(event_type: str, payload: dict, *, key: str, producer: str,
              correlation_id: str | None = None, version: int | None = None) -> dict:
    """A new envelope, its payload checked against the type's schema (so a producer can't emit junk)."""
    version = version or latest_version(event_type)
    schema = SCHEMAS[(event_type, version)]()
    errors = schema.validate(payload)
    if errors:
        raise ValueError(f"{event_type} v{version} payload invalid: {errors}")
    event_id = str(uuid.uuid4())
    return {
        "event_id": event_id,
        "type": event_type,
        "version": version,
        "occurred_at": utcnow_iso(),
        "producer": producer,
        "correlation_id": correlation_id or event_id,
        "key": str(key),
        "payload": schema.dump(schema.load(payload)),
    }


class Event:
    """A validated event as consumers see it: envelope fields plus the loaded payload."""

    __slots__ = ("event_id", "type", "version", "occurred_at", "producer", "correlation_id", "key",
                 "payload", "raw")

    def __init__(self, raw: dict, envelope: dict, payload: dict):
        self.raw = raw
        self.event_id = str(envelope["event_id"])
        self.type = envelope["type"]
        self.version = envelope["version"]
        self.occurred_at = envelope["occurred_at"]
        self.producer = envelope["producer"]
        self.correlation_id = envelope["correlation_id"]
        self.key = envelope["key"]
        self.payload = payload

    def log_fields(self) -> dict:
        return {"event_id": self.event_id, "type": self.type, "correlation_id": self.correlation_id}

    def __repr__(self):
        return f"Event({self.type} v{self.version} {self.event_id})"


def parse_event(raw: dict) -> Event:
    """Validate an envelope and its payload; raise InvalidEvent saying why."""
    if not isinstance(raw, dict):
        raise InvalidEvent("message is not a JSON object")
    try:
        envelope = EnvelopeSchema().load(raw)
    except ValidationError as exc:
        raise InvalidEvent(f"invalid envelope: {exc.messages}") from exc
    schema_cls = SCHEMAS.get((envelope["type"], envelope["version"]))
    if schema_cls is None:
        raise InvalidEvent(f"unknown event type/version {envelope['type']} v{envelope['version']}")
    schema = schema_cls(unknown=EXCLUDE)
    try:
        payload = schema.load(envelope["payload"])
    except ValidationError as exc:
        raise InvalidEvent(f"invalid payload: {exc.messages}") from exc
    return Event(raw, envelope, schema.dump(payload))


def is_known(event_type: str) -> bool:
    return any(t == event_type for (t, _v) in SCHEMAS)
