"""The shared plumbing against the real broker and store: idempotent producer, consumer loop, outbox relay."""
import io
import json
import threading
import time
import uuid

import prometheus_client
import pytest
import requests
from kafka import KafkaConsumer, KafkaProducer
from kafka.errors import KafkaTimeoutError, MessageSizeTooLargeError
from pymongo.errors import (AutoReconnect, DuplicateKeyError, NetworkTimeout, OperationFailure,
                            ServerSelectionTimeoutError)

from tests.support import stack_env, wait_until
from wijkkracht import config, mongo, outbox
from wijkkracht import parked as parked_list
from wijkkracht.events import new_event
from wijkkracht.kafka import ConsumerLoop, Retry, is_transient, make_producer


@pytest.fixture(scope="module")
def env(monkeypatch_module):
    env = stack_env()
    for name in ("KAFKA_BOOTSTRAP_SERVERS", "MONGODB_URI"):
        if name in env:
            monkeypatch_module.setenv(name, env[name])
    return env


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


@pytest.fixture
def producer(env):
    p = make_producer("tests")
    yield p
    p.close(timeout=5)


def read_all(env, topic: str, expected: int, timeout_s: float = 20) -> list[dict]:
    consumer = KafkaConsumer(topic, bootstrap_servers=env["KAFKA_BOOTSTRAP_SERVERS"],
                             auto_offset_reset="earliest", enable_auto_commit=False,
                             group_id=None, consumer_timeout_ms=500)
    seen = []

    def enough():
        for record in consumer:
            seen.append(json.loads(record.value))
        return len(seen) >= expected

    try:
        wait_until(enough, timeout_s, message=f"{expected} messages on {topic}")
        return seen
    finally:
        consumer.close()


def erased(person_id: str, key: str = "k") -> dict:
    return new_event("person.erased", {"person_id": person_id}, key=key, producer="tests")


def test_producer_is_idempotent_with_acks_all_in_effect(producer):
    producer.send(f"test.idempotence.{uuid.uuid4().hex[:8]}", key="k", value={"x": 1}).get(timeout=30)
    assert producer.config["acks"] == -1
    assert producer.config["enable_idempotence"] is True
    # The broker handed out a producer id: idempotence is really on, not merely configured.
    assert producer._transaction_manager is not None
    assert producer._transaction_manager.has_producer_id()


class Recorder:
    """Fails each person's event ``fail_times[person]`` times with ``errors[person]`` (a handler's own bug by
    default), then records it."""

    def __init__(self, fail_times: dict[str, int] | None = None, errors: dict[str, Exception] | None = None):
        self.seen = []
        self.fail_times = fail_times or {}
        self.errors = errors or {}

    def __call__(self, event):
        person = event.payload["person_id"]
        left = self.fail_times.get(person, 0)
        if left:
            self.fail_times[person] = left - 1
            raise self.errors.get(person) or KeyError("a handler's own bug")
        self.seen.append(person)


def run_loop(topic: str, group: str, dispatch, producer, until):
    loop = ConsumerLoop("tests", [topic], dispatch, producer, max_attempts=3, backoff_s=0.01,
                        consumer_factory=lambda service, names: _consumer(names, group),
                        hold_first_s=0.01, hold_cap_s=0.05)
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    try:
        wait_until(until, 30, message="the consumer loop to process the messages")
    finally:
        loop.stop()
        thread.join(timeout=10)


def _consumer(names, group, **settings):
    """As make_consumer does: the metadata first, or a member joining just after the topic was auto-created
    gets no partitions at all (kafka-python#2377)."""
    consumer = KafkaConsumer(bootstrap_servers=config.kafka_bootstrap_servers(), group_id=group,
                             enable_auto_commit=False, auto_offset_reset="earliest", **settings)
    consumer.topics()
    consumer.subscribe(names)
    return consumer


def test_poison_and_failing_messages_go_to_the_dlq_and_the_partition_moves_on(env, producer):
    topic = f"test.loop.{uuid.uuid4().hex[:8]}"
    raw = KafkaProducer(bootstrap_servers=env["KAFKA_BOOTSTRAP_SERVERS"])
    raw.send(topic, key=b"k", value=b"{not json")
    raw.send(topic, key=b"k", value=json.dumps({**erased("p0"), "event_id": "nope"}).encode())
    for person in ("p1", "p2", "p3", "p4", "p5", "p6"):
        raw.send(topic, key=b"k", value=json.dumps(erased(person)).encode())
    raw.flush()
    raw.close()

    # p1 recovers on the third try, p2 never does: both a handler's own error. p4, p5 and p6 meet a store
    # away, a broker away and a handler's Retry, far more often than max_attempts: held, never dead-lettered.
    recorder = Recorder(fail_times={"p1": 2, "p2": 99, "p4": 12, "p5": 8, "p6": 8},
                        errors={"p4": AutoReconnect("store away"), "p5": KafkaTimeoutError("broker away"),
                                "p6": Retry("the queue kept moving")})
    group = f"test-{uuid.uuid4().hex[:8]}"
    run_loop(topic, group, recorder, producer, until=lambda: "p6" in recorder.seen)

    assert recorder.seen == ["p1", "p3", "p4", "p5", "p6"]
    dead = read_all(env, f"{topic}.dlq", expected=3)
    assert len(dead) == 3
    reasons = [d["error"] for d in dead]
    assert "invalid" in reasons[0] and "invalid" in reasons[1] and "event_id" in reasons[1]
    assert "KeyError" in reasons[2] and "p2" in dead[2]["message"]

    # Offsets were committed: the same group starting again has nothing left to do.
    consumer = _consumer([topic], group)
    records = consumer.poll(timeout_ms=3000)
    consumer.close()
    assert sum(len(r) for r in records.values()) == 0


def _response(status: int) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    return response


def test_a_message_held_longer_than_max_poll_interval_keeps_the_group_and_is_handled_once(env, producer):
    """The store away for longer than the consumer may go without polling: the loop keeps polling its paused
    partitions, so it stays in the group (no rejoin, no redelivery) and handles each message once."""
    topic = f"test.hold.{uuid.uuid4().hex[:8]}"
    for person in ("h1", "h2", "h3"):
        producer.send(topic, key="k", value=erased(person))
    producer.flush()
    group = f"test-{uuid.uuid4().hex[:8]}"
    made = []

    def factory(_service, names):
        made.append(1)
        return _consumer(names, group, max_poll_interval_ms=2000, session_timeout_ms=6000,
                         heartbeat_interval_ms=1000)

    away_until = [None]
    seen = []

    def store_away_for_a_while(event):
        if away_until[0] is None:
            away_until[0] = time.monotonic() + 6  # three times max.poll.interval
        if time.monotonic() < away_until[0]:
            raise ServerSelectionTimeoutError("store away")
        seen.append(event.payload["person_id"])

    loop = ConsumerLoop("tests", [topic], store_away_for_a_while, producer, max_attempts=2, backoff_s=0.01,
                        consumer_factory=factory, hold_first_s=0.2, hold_cap_s=1.0)
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: len(seen) >= 3, 40, message="the held messages to be handled")
        consumer = _consumer([topic], group)  # the offsets were committed: nothing left for the group
        left = consumer.poll(timeout_ms=2000)
        consumer.close()
    finally:
        loop.stop()
        thread.join(timeout=10)
    assert seen == ["h1", "h2", "h3"]
    assert len(made) == 1, "the loop lost its consumer (left the group) while holding"
    assert sum(len(r) for r in left.values()) == 0


def test_store_and_broker_faults_are_transient_and_a_message_s_own_faults_are_not():
    for exc in (AutoReconnect("x"), NetworkTimeout("x"), ServerSelectionTimeoutError("x"), KafkaTimeoutError(),
                Retry("x"), TimeoutError(), ConnectionRefusedError(), OperationFailure("x", code=91),
                requests.ConnectionError("x"), requests.HTTPError(response=_response(503))):
        assert is_transient(exc), exc
    for exc in (KeyError("x"), ValueError("x"), DuplicateKeyError("x", code=11000), OperationFailure("x", code=2),
                MessageSizeTooLargeError(), requests.HTTPError(response=_response(400))):
        assert not is_transient(exc), exc
    try:
        try:
            raise AutoReconnect("store away")
        except AutoReconnect as cause:
            raise RuntimeError("wrapped by a handler") from cause
    except RuntimeError as wrapped:
        assert is_transient(wrapped)


@pytest.fixture
def outbox_db(env):
    client = mongo.connect("tests")
    db = client[f"tests_outbox_{uuid.uuid4().hex[:8]}"]
    keys, options = outbox.INDEX
    db.things.create_index(keys, **options)
    yield db
    client.drop_database(db.name)
    client.close()


def test_outbox_relay_publishes_in_order_then_clears(outbox_db, producer, env):
    db = outbox_db
    topic = f"test.outbox.{uuid.uuid4().hex[:8]}"
    relay = outbox.OutboxRelay(db, ["things"], producer, topic)
    assert relay.run_once() == 0

    first, second = erased("a"), erased("b")
    outbox.insert(db.things, {"_id": "thing-1", "state": "new"}, [first, second])
    outbox.insert(db.things, {"_id": "thing-quiet", "state": "new"}, [])  # no events: nothing pending
    assert relay.run_once() == 2
    published = read_all(env, topic, expected=2)  # one key, one partition: the order holds
    assert [e["event_id"] for e in published] == [first["event_id"], second["event_id"]]
    assert db.things.find_one({"_id": "thing-1"})["outbox"] == {}
    # Nothing is pending any more, and the relay's indexed query says so.
    assert list(db.things.find({"has_outbox": True})) == []
    assert relay.run_once() == 0

    # An update carrying an event: the state and the event land together.
    third = erased("c")
    outbox.update(db.things, "thing-1", {"$set": {"state": "changed"}}, [third])
    assert relay.run_once() == 1
    assert read_all(env, topic, expected=3)[-1]["event_id"] == third["event_id"]
    assert db.things.find_one({"_id": "thing-1"})["state"] == "changed"
    assert db.things.find_one({"_id": "thing-1"})["has_outbox"] is False


def test_nothing_is_cleared_when_the_broker_does_not_acknowledge(outbox_db):
    class Refusing:
        def send(self, *_a, **_kw):
            raise ConnectionError("broker away")

        def flush(self):
            pass

    outbox.insert(outbox_db.things, {"_id": "thing-1"}, [erased("a")])
    with pytest.raises(ConnectionError):
        outbox.OutboxRelay(outbox_db, ["things"], Refusing(), "unused").run_once()
    doc = outbox_db.things.find_one({"_id": "thing-1"})
    assert doc["has_outbox"] is True and len(doc["outbox"]) == 1


@pytest.mark.parametrize("gets_in", ["before the one-update clear", "between removing and settling"])
def test_an_event_added_while_the_relay_clears_is_not_stranded(outbox_db, producer, env, gets_in):
    """A writer adds an event just before the relay clears the outbox it read in one update (which then matches
    nothing), or between its removing the published events and clearing the flag (the two-step way)."""
    db = outbox_db
    topic = f"test.outbox.{uuid.uuid4().hex[:8]}"
    relay = outbox.OutboxRelay(db, ["things"], producer, topic)
    first, late = erased("a"), erased("late")
    outbox.insert(db.things, {"_id": "thing-1"}, [first])
    clear, settle = relay.clear, relay.settle

    def write_late(collection, doc_id):
        if not collection.database.things.find_one({"_id": "late-written"}):
            collection.database.things.insert_one({"_id": "late-written"})
            outbox.update(collection, doc_id, {"$set": {"state": "changed"}}, [late])

    def writer_before_clear(collection, doc_id, read):
        write_late(collection, doc_id)
        return clear(collection, doc_id, read)

    def writer_before_settle(collection, doc_id):
        write_late(collection, doc_id)
        settle(collection, doc_id)

    if gets_in.startswith("before"):
        relay.clear = writer_before_clear
    else:
        relay.clear = lambda *_: False  # as if changed meanwhile: the two-step way
        relay.settle = writer_before_settle
    assert relay.run_once() == 1
    assert db.things.find_one({"_id": "thing-1"})["has_outbox"] is True  # the late event keeps it pending
    relay.clear = clear
    assert relay.run_once() == 1
    assert [e["event_id"] for e in read_all(env, topic, expected=2)] == [first["event_id"], late["event_id"]]
    doc = db.things.find_one({"_id": "thing-1"})
    assert doc["has_outbox"] is False and doc["outbox"] == {} and doc["state"] == "changed"


def test_writers_racing_the_relay_lose_no_event(outbox_db, producer, env):
    """Writers keep adding events to the same documents while the relay publishes and clears them."""
    db = outbox_db
    topic = f"test.outbox.{uuid.uuid4().hex[:8]}"
    for i in range(3):
        outbox.insert(db.things, {"_id": f"thing-{i}"}, [])
    written = []

    def write(i):
        for k in range(40):
            event = erased(f"{i}-{k}", key=f"thing-{i}")
            outbox.update(db.things, f"thing-{i}", {"$inc": {"n": 1}}, [event])
            written.append(event["event_id"])

    stopping = threading.Event()
    relay = outbox.OutboxRelay(db, ["things"], producer, topic)
    relaying = threading.Thread(target=relay.run, args=(stopping, 0.001), daemon=True)
    relaying.start()
    writers = [threading.Thread(target=write, args=(i,)) for i in range(3)]
    [w.start() for w in writers]
    [w.join() for w in writers]
    try:
        wait_until(lambda: not list(db.things.find({"has_outbox": True})), 30, message="the relay caught up")
    finally:
        stopping.set()
        relaying.join(timeout=10)
    assert relay.run_once() == 0
    assert all(doc["outbox"] == {} for doc in db.things.find({}))
    assert set(written) <= {e["event_id"] for e in read_all(env, topic, expected=len(written))}


def _oversized(person: str) -> dict:
    """An event of about 1.2 MB, as matches.proposed for 400 attendees was before it was split."""
    event = erased(person)
    event["payload"]["padding"] = "x" * 1_200_000
    return event


def _parked_total() -> float:
    return prometheus_client.REGISTRY.get_sample_value("wijkkracht_outbox_events_parked_total", {"type": "person.erased"}) or 0


@pytest.mark.parametrize("refused_by", ["producer", "broker"])
def test_an_event_too_large_is_parked_and_the_rest_flow(outbox_db, env, refused_by, caplog):
    """Too large for the producer's max_request_size, or for the broker's message.max.bytes with a producer
    allowing more (the relay measures before sending, so the broker never has to refuse: a refusal would
    break the idempotent producer for every later send): parked with where it came from, counted, logged
    without its payload; the events before and after it, in the same document and in others, are published."""
    db = outbox_db
    topic = f"test.outbox.{uuid.uuid4().hex[:8]}"
    producer = make_producer("tests") if refused_by == "producer" else KafkaProducer(
        bootstrap_servers=env["KAFKA_BOOTSTRAP_SERVERS"], enable_idempotence=True, max_request_size=4_000_000,
        key_serializer=str.encode, value_serializer=lambda v: json.dumps(v).encode())
    before, big, after, other = erased("before"), _oversized("big"), erased("after"), erased("other")
    outbox.insert(db.things, {"_id": "thing-1"}, [before])
    outbox.update(db.things, "thing-1", {"$set": {"state": "grown"}}, [big])
    outbox.update(db.things, "thing-1", {"$set": {"state": "after"}}, [after])
    outbox.insert(db.things, {"_id": "thing-2"}, [other])
    parked_before = _parked_total()
    relay = outbox.OutboxRelay(db, ["things"], producer, topic)
    try:
        with caplog.at_level("ERROR", logger="wijkkracht.outbox"):
            assert relay.run_once() == 3
    finally:
        producer.close(timeout=5)

    ids = {e["event_id"] for e in read_all(env, topic, expected=3)}
    assert ids == {before["event_id"], after["event_id"], other["event_id"]}
    assert list(db.things.find({"has_outbox": True})) == []
    parked = db[outbox.PARKED].find_one({"_id": big["event_id"]})
    assert parked["collection"] == "things" and parked["document_id"] == "thing-1"
    assert parked["error"] == "MessageSizeTooLargeError" and parked["event"]["event_id"] == big["event_id"]
    assert _parked_total() == parked_before + 1
    logged = [r for r in caplog.records if "parked" in r.getMessage()]
    assert logged and logged[0].event_id == big["event_id"]
    assert "xxxx" not in caplog.text  # the payload stays out of the log
    assert relay.run_once() == 0  # nothing left pending: the document no longer blocks

    # The operator's list (python -m wijkkracht.parked <service>) names it, where it came from and its size,
    # never its payload.
    listing = io.StringIO()
    assert parked_list.report(db, listing) == 1
    assert big["event_id"] in listing.getvalue() and "things/thing-1" in listing.getvalue()
    assert "xxxx" not in listing.getvalue()
