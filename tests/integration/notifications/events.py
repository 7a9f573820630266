"""What the notifications tests share: publishing registration/matching events as their producers would,
and reading the delivery log. The other services need not be running."""
import datetime as dt
import uuid

from kafka import KafkaProducer

from wijkkracht import topics
from wijkkracht.events import new_event

from tests.support import unique_email


def producer(stack) -> KafkaProducer:
    import json
    return KafkaProducer(bootstrap_servers=stack.env.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092").split(","),
                         key_serializer=lambda k: k.encode(),
                         value_serializer=lambda v: json.dumps(v, separators=(",", ":")).encode())


def meeting_scheduled(meeting_id: str | None = None, *, title="Wijkkracht Noord", days_ahead=10,
                      venue="wijkgebouw de Banier", area="Noord") -> dict:
    meeting_id = meeting_id or f"m-{uuid.uuid4().hex[:12]}"
    starts = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=days_ahead)).replace(microsecond=0)
    return new_event("meeting.scheduled", {"meeting_id": meeting_id, "title": title, "starts_at": starts.isoformat(),
                                           "venue": venue, "area": area, "partners": ["Stichting Noordplus"]},
                     key=meeting_id, producer="registration")


def registration_created(meeting_id: str, *, name="Fatima El Amrani", email: str | None = None,
                         phone: str | None = None, channel="email", language="nl", status="confirmed",
                         share=True) -> dict:
    if email is None and phone is None:
        email = unique_email()
    registration_id, person_id = uuid.uuid4().hex, uuid.uuid4().hex
    return new_event("registration.created", {
        "registration_id": registration_id, "person_id": person_id, "meeting_id": meeting_id, "status": status,
        "code": registration_id[:6].upper(), "name": name, "email": email, "phone": phone, "language": language,
        "preferred_channel": channel, "consent": {"contact": True, "share_with_initiatives": share},
        "cancel_url": f"http://127.0.0.1:8001/annuleren/{registration_id}"}, key=meeting_id, producer="registration")


def colour_assigned(meeting_id: str, person_id: str, colour="blauw", table=2) -> dict:
    return new_event("colour.assigned", {"meeting_id": meeting_id, "person_id": person_id, "colour": colour,
                                         "table": table}, key=meeting_id, producer="matching")


def publish(prod: KafkaProducer, *envelopes: dict, topic: str = topics.REGISTRATION):
    for envelope in envelopes:
        prod.send(topic, key=envelope["key"], value=envelope)
    prod.flush(timeout=30)


def random_mobile() -> str:
    return "+316" + uuid.uuid4().int.__str__()[:8]


def deliveries(stack, **params) -> list[dict]:
    r = stack.get("notifications", "/api/v1/deliveries", params=params, headers=stack.organiser)
    assert r.status_code == 200, r.text
    return r.json()["deliveries"]
