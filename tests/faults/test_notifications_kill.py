"""The notifications worker SIGKILLed twice while it sends: every sign-up still gets exactly one confirmation.

The worker here is the test's own process (a consumer group that starts at the end of the topics and a
database of its own), so a backlog in the stack's queue doesn't decide the outcome; Kafka, the document store
and the dev SMTP server are the stack's. The stack's notifications worker is stopped meanwhile (it would
send its own copy of these confirmations into the same SMTP server) and started again afterwards, when it
will catch up on them: extra messages to these test addresses after the test, never during it.
"""
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
from kafka import KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata
from pymongo import MongoClient

from tests.faults.stream import duplicates
from tests.integration.notifications import events as ev
from tests.support import ROOT, wait_until
from wijkkracht import topics

sys.path.insert(0, str(ROOT))
from deploy.local import runner  # noqa: E402

N = int(os.environ.get("NOTIFICATIONS_KILL_TEST_N", "200"))


def mail_to(stack, addresses: list[str]) -> list[dict]:
    """What the dev SMTP server holds for these addresses only: the whole mailbox is megabytes to serialise,
    and fetching it every poll would slow the server the test is measuring."""
    r = stack.http.get(stack.env["MAIL_API_URL"].rstrip("/") + "/api/messages", params=[("to", a) for a in addresses],
                       timeout=30)
    r.raise_for_status()
    return r.json()["messages"]


def start_at_the_end(bootstrap: str, group: str):
    consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), group_id=group, enable_auto_commit=False)
    partitions = [TopicPartition(t, p) for t in (topics.REGISTRATION, topics.MATCHING)
                  for p in (consumer.partitions_for_topic(t) or [])]
    ends = consumer.end_offsets(partitions)
    consumer.assign(partitions)
    consumer.commit({tp: OffsetAndMetadata(ends[tp], None, -1) for tp in partitions})
    consumer.close()


@pytest.mark.slow
def test_worker_killed_twice_mid_stream_sends_every_confirmation_once(stack, tmp_path):
    run = uuid.uuid4().hex[:8]
    bootstrap = stack.env.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")
    group = f"notifications-killtest-{run}"
    start_at_the_end(bootstrap, group)
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
           "MONGODB_URI": stack.env.get("MONGODB_URI", "mongodb://127.0.0.1:27117/"),
           "SMTP_HOST": stack.env.get("SMTP_HOST", "127.0.0.1"), "SMTP_PORT": str(stack.env.get("SMTP_PORT", 2525)),
           "SMS_GATEWAY_URL": stack.env["SMS_GATEWAY_URL"], "NOTIFICATIONS_CONSUMER_GROUP": group,
           "NOTIFICATIONS_MONGODB_DATABASE": f"notifications_killtest_{run}", "NOTIFICATIONS_WORKER_METRICS_PORT": "0",
           "NOTIFICATIONS_LEASE_S": "5"}
    log = open(tmp_path / "worker.log", "a")

    def start():
        return subprocess.Popen([sys.executable, "-m", "notifications.worker"], cwd=ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)

    addresses = [f"kill-{run}-{i}@example.org" for i in range(N)]

    def delivered() -> dict[str, int]:
        counts: dict[str, int] = {}
        for message in mail_to(stack, addresses):
            for to in message["to"]:
                if f"kill-{run}-" in to:
                    counts[to] = counts.get(to, 0) + 1
        return counts

    stack_worker_was_running = runner.is_running("notifications-worker")
    runner.stop_component("notifications-worker")
    producer = ev.producer(stack)
    meeting = ev.meeting_scheduled()
    meeting_id = meeting["payload"]["meeting_id"]
    worker = start()
    try:
        ev.publish(producer, meeting, *[ev.registration_created(meeting_id, email=address) for address in addresses])
        kills, killed_at = [], []
        for k in (1, 2):
            wait_until(lambda: len(delivered()) >= k * N // 3, 300, interval_s=1,
                       message=f"{k * N // 3} confirmations before kill {k}")
            killed_at.append(time.time())
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
            kills.append(len(delivered()))
            worker = start()
        counts = wait_until(lambda: len(c := delivered()) >= N and c, 600, interval_s=1,
                            message="every confirmation after two SIGKILLs")
        allowed, beyond = duplicates(mail_to(stack, addresses), set(addresses), killed_at)
        print(f"\n{N} sign-ups, worker SIGKILLed at {kills[0]} and {kills[1]} delivered: "
              f"{len(counts)} received, {len(allowed)} twice in the instant of a kill, {len(beyond)} otherwise")
        assert len(counts) == N and not beyond, beyond
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
        producer.close()
        client = MongoClient(env["MONGODB_URI"])
        client.drop_database(env["NOTIFICATIONS_MONGODB_DATABASE"])
        client.close()
        if stack_worker_was_running:
            runner.start_component("notifications-worker")
