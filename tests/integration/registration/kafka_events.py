"""Reading what the registration service published, straight from Kafka, as another service would."""
import json
import time
import uuid

from kafka import KafkaConsumer
from wijkkracht import config, topics


class TopicReader:
    """Collects the events of one topic whose key or payload names ``meeting_id`` (or any, if None)."""

    def __init__(self, topic: str = topics.REGISTRATION):
        self.consumer = KafkaConsumer(
            topic, bootstrap_servers=config.kafka_bootstrap_servers(), group_id=f"test-{uuid.uuid4().hex}",
            auto_offset_reset="earliest", enable_auto_commit=False, consumer_timeout_ms=500)
        self.events: list[dict] = []

    def poll(self):
        for batch in self.consumer.poll(timeout_ms=300).values():
            for record in batch:
                self.events.append({"key": record.key.decode() if record.key else None,
                                    **json.loads(record.value)})

    def wait_for(self, predicate, timeout_s: float = 30.0, what: str = "event") -> list[dict]:
        deadline = time.monotonic() + timeout_s
        while True:
            self.poll()
            found = [e for e in self.events if predicate(e)]
            if found:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout_s}s waiting for {what}; "
                                     f"saw {len(self.events)} events")

    def close(self):
        self.consumer.close()
