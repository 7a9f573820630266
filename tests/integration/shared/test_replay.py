"""The replay command against the real broker: dead letters go back to their topic, once."""
import io
import os
import json
import subprocess
import sys
import uuid

from kafka import KafkaConsumer, KafkaProducer

from tests.support import stack_env, wait_until
from wijkkracht import replay
from wijkkracht.events import new_event


def _read(env, topic, expected, timeout_s=20):
    consumer = KafkaConsumer(topic, bootstrap_servers=env["KAFKA_BOOTSTRAP_SERVERS"], group_id=None,
                             auto_offset_reset="earliest", enable_auto_commit=False, consumer_timeout_ms=500)
    seen = []

    def enough():
        seen.extend(consumer)
        return len(seen) >= expected

    try:
        wait_until(enough, timeout_s, message=f"{expected} records on {topic}")
        return seen
    finally:
        consumer.close()


def _dead_letter(raw, topic, event):
    letter = {"failed_at": "2026-12-01T00:00:00Z", "consumer": "matching",
              "source": {"topic": topic, "partition": 0, "offset": 7},
              "error": "Traceback...\nKeyError: 'colour'", "message": json.dumps(event)}
    raw.send(f"{topic}.dlq", key=event["key"].encode(), value=json.dumps(letter).encode())


def test_replay_puts_dead_letters_back_with_their_key_and_only_once(monkeypatch):
    env = stack_env()
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", env["KAFKA_BOOTSTRAP_SERVERS"])
    topic = f"test.replay.{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("REPLAY_REPLAY_GROUP", f"test-replay-{uuid.uuid4().hex[:8]}")
    events = [new_event("person.erased", {"person_id": f"p{i}"}, key=f"reg-{i}", producer="tests")
              for i in range(3)]
    raw = KafkaProducer(bootstrap_servers=env["KAFKA_BOOTSTRAP_SERVERS"])
    for event in events:
        _dead_letter(raw, topic, event)
    raw.flush()

    listing = io.StringIO()
    assert replay.replay(f"{topic}.dlq", dry_run=True, out=listing) == 3
    lines = [json.loads(line) for line in listing.getvalue().splitlines()[:-1]]
    assert [line["event_id"] for line in lines] == [e["event_id"] for e in events]
    assert lines[0]["error"] == "KeyError: 'colour'" and lines[0]["consumer"] == "matching"
    assert "p0" not in listing.getvalue()  # the listing shows no payload

    # A dry run changed nothing: the real run (the command itself) puts all three back.
    run = subprocess.run([sys.executable, "-m", "wijkkracht.replay", f"{topic}.dlq"], capture_output=True,
                         text=True, timeout=60, env=dict(os.environ))
    assert run.returncode == 0, run.stderr
    assert "replayed 3" in run.stdout
    back = _read(env, topic, expected=3)
    # (the topic has partitions: order holds per key, not across them)
    assert sorted((r.key.decode(), json.loads(r.value)["event_id"]) for r in back) == \
        sorted((e["key"], e["event_id"]) for e in events)

    # A second run has nothing to do; one dead-lettered since is the only one the third run replays.
    assert replay.replay(f"{topic}.dlq", out=io.StringIO()) == 0
    late = new_event("person.erased", {"person_id": "late"}, key="reg-late", producer="tests")
    _dead_letter(raw, topic, late)
    raw.flush()
    raw.close()
    assert replay.replay(f"{topic}.dlq", out=io.StringIO()) == 1
    on_topic = [json.loads(r.value)["event_id"] for r in _read(env, topic, expected=4)]
    assert len(on_topic) == 4 and on_topic.count(late["event_id"]) == 1
