"""What matching's integration tests share: the endpoints, a scratch database, registration events."""
import datetime as dt
import json
import uuid

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from tests.support import stack_env, wait_until
from matching.adapters import store
from wijkkracht import config, mongo, topics
from wijkkracht.events import new_event, parse_event


@pytest.fixture(scope="session")
def matching_env():
    mp = pytest.MonkeyPatch()
    env = stack_env()
    for name in ("KAFKA_BOOTSTRAP_SERVERS", "MONGODB_URI"):
        if name in env:
            mp.setenv(name, env[name])
        else:  # the environment, else the local defaults the services use too
            env[name] = config.setting(name)
    yield env
    mp.undo()


@pytest.fixture
def scratch_db(matching_env):
    """A database of its own for one test, dropped afterwards: handlers run against the real store."""
    client = mongo.connect("matching")
    name = f"matching_test_{uuid.uuid4().hex[:8]}"
    store.ensure_indexes(client[name])
    yield client[name]
    client.drop_database(name)
    client.close()


class Runtime:
    def __init__(self, db):
        self.db = db


def event(event_type: str, payload: dict, key: str) -> dict:
    return new_event(event_type, payload, key=key, producer="registration")


def as_event(envelope: dict):
    return parse_event(json.loads(json.dumps(envelope)))


def at(minutes: int = 0) -> str:
    return (dt.datetime(2026, 12, 12, 18, 0, tzinfo=dt.timezone.utc) + dt.timedelta(minutes=minutes)).isoformat()


class Evening:
    """Registration's events for one evening, as registration would publish them."""

    def __init__(self, initiatives: int = 3, group_size: int = 6, title: str = "Wijkkracht Delfshaven"):
        self.meeting_id = f"m-{uuid.uuid4().hex[:10]}"
        self.initiative_ids = [f"i-{uuid.uuid4().hex[:8]}" for _ in range(initiatives)]
        self.group_size = group_size
        self.title = title

    def scheduled(self) -> dict:
        return event("meeting.scheduled", {"meeting_id": self.meeting_id, "title": self.title,
                                           "starts_at": at(60), "venue": "Post West", "area": "Delfshaven",
                                           "partners": ["ZOWEL! Delfshaven", "Radar"],
                                           "initiative_ids": self.initiative_ids, "group_size": self.group_size,
                                           "slot_minutes": 20}, self.meeting_id)

    def initiatives(self) -> list[dict]:
        specs = [
            ("Tori Oso", ["ontmoeting"], ["ouderen"], ["vrouwen"], [("Gastvrouw", ["ontmoeting", "koken"], 2)]),
            ("Brug tussen jong en oud", ["ontmoeting"], ["jongeren"], ["ouderen"], [("Maatje", ["ontmoeting"], 3)]),
            ("Young Kitchen", ["koken"], ["jongeren"], ["ouderen"], [("Kookmaatje", ["koken"], 2)]),
        ]
        out = []
        for iid, (name, themes, groups, looking, roles) in zip(self.initiative_ids, specs):
            out.append(event("initiative.registered", {
                "initiative_id": iid, "name": name, "description": "", "area": "Delfshaven", "themes": themes,
                "target_groups": groups, "looking_for": looking,
                "roles": [{"role_id": f"{iid}-{k}", "title": t, "themes": th, "capacity": c}
                          for k, (t, th, c) in enumerate(roles)],
                "contact": {"name": "Contact", "email": "contact@example.org"}}, iid))
        return out

    def registration(self, person_id: str, companions=(), consent: bool = True, interests=("koken",)) -> dict:
        return event("registration.created", {
            "registration_id": f"r-{person_id}", "person_id": person_id, "meeting_id": self.meeting_id,
            "status": "confirmed", "name": "Bewoner", "email": f"{person_id}@example.org", "postcode": "3021 AB",
            "languages": ["nl"], "interests": list(interests), "preferred_channel": "email",
            "consent": {"contact": True, "share_with_initiatives": consent},
            "companion_ids": list(companions)}, self.meeting_id)

    def checked_in(self, person_id: str, companions=(), expected: int | None = None) -> dict:
        return event("participant.checked_in", {
            "meeting_id": self.meeting_id, "person_id": person_id, "registration_id": f"r-{person_id}",
            "checked_in_at": at(55), "companion_ids": list(companions), "expected_attendance": expected,
            "group_size": self.group_size}, self.meeting_id)

    def step(self, step: str, minutes: int) -> dict:
        return event(f"meeting.{step}", {"meeting_id": self.meeting_id, "at": at(minutes),
                                         "initiative_ids": self.initiative_ids}, self.meeting_id)

    def interests(self, person_id: str, initiative_ids) -> dict:
        return event("interests.recorded", {"meeting_id": self.meeting_id, "person_id": person_id,
                                            "initiative_ids": list(initiative_ids)}, self.meeting_id)


class TopicReader:
    """Reads a topic from 'now' on (positions taken when created), collecting envelopes."""

    def __init__(self, env, topic: str = topics.MATCHING):
        self.consumer = KafkaConsumer(bootstrap_servers=env["KAFKA_BOOTSTRAP_SERVERS"].split(","), group_id=None,
                                      enable_auto_commit=False, consumer_timeout_ms=300)
        partitions = [TopicPartition(topic, p) for p in sorted(self.consumer.partitions_for_topic(topic) or [])]
        self.consumer.assign(partitions)
        self.consumer.seek_to_end(*partitions)
        for tp in partitions:
            self.consumer.position(tp)
        self.seen: list[dict] = []

    def poll(self) -> list[dict]:
        for record in self.consumer:
            self.seen.append(json.loads(record.value))
        return self.seen

    def wait_for(self, predicate, timeout_s: float = 30, message: str = "events") -> list[dict]:
        """Poll until ``predicate(seen)`` holds; returns everything seen so far."""
        wait_until(lambda: predicate(self.poll()), timeout_s, message=message)
        return self.seen

    def close(self):
        self.consumer.close()


@pytest.fixture
def publish(matching_env):
    """Publish envelopes to registration's topic, as registration would."""
    producer = KafkaProducer(bootstrap_servers=matching_env["KAFKA_BOOTSTRAP_SERVERS"].split(","),
                             key_serializer=str.encode,
                             value_serializer=lambda v: json.dumps(v).encode())

    def send(*envelopes):
        for envelope in envelopes:
            producer.send(topics.REGISTRATION, key=envelope["key"], value=envelope)
        producer.flush()

    yield send
    producer.close()


@pytest.fixture
def reader(matching_env):
    """What matching publishes from now on."""
    r = TopicReader(matching_env)
    yield r
    r.close()


def of_meeting(events, meeting_id, event_type):
    return [e for e in events if e["type"] == event_type and e["payload"].get("meeting_id") == meeting_id]
