"""The matching worker: consumes registration's events, relays matching's outbox. ``python -m matching.worker``."""
import logging
import signal
import time

import functools

from wijkkracht import kafka, topics, worker

from . import SERVICE
from .adapters import store
from .handlers import EVENT_HANDLERS

log = logging.getLogger(__name__)


def archive_decisions(runtime):
    """Keep the outbox relay's scans short: move decisions whose events have left to their archives."""
    while not runtime.stopping.is_set():
        moved = 0
        for name in store.OUTBOX_COLLECTIONS:
            try:
                moved += store.archive_published(runtime.db, name)
            except Exception as exc:  # noqa: BLE001 - the store briefly away: try again later
                log.warning("archiving failed, will retry", extra={"collection": name, "error": repr(exc)})
        runtime.stopping.wait(1.0 if moved else 5.0)


def make_consumer(service: str, topic_names: list[str]):
    """The shared consumer, but with the cluster's metadata loaded before it joins the group: kafka-python's
    assignor hands a member no partitions at all when it joins without the topic's metadata ("No partition
    metadata for topic", dpkp/kafka-python#2377), and the worker then idles forever. A stopgap until
    ``wijkkracht.kafka.make_consumer`` does this itself."""
    consumer = kafka.make_consumer(service, [])
    consumer.topics()  # a metadata request for every topic, partitions included
    consumer.subscribe(topic_names)
    return consumer


def main():
    worker.ConsumerLoop = functools.partial(kafka.ConsumerLoop, consumer_factory=make_consumer)
    # The shared consumer loop lets a broker outage (e.g. a Kafka restart) escape as an exception; the door
    # can't wait for someone to restart us, so start over with fresh clients until we are told to stop.
    while True:
        try:
            worker.run(SERVICE, consumes=[topics.REGISTRATION], handlers=EVENT_HANDLERS,
                       outbox_collections=store.OUTBOX_COLLECTIONS, setup=store.ensure_indexes,
                       jobs=[archive_decisions])
            return  # stopped by SIGTERM/SIGINT
        except Exception as exc:  # noqa: BLE001 - logged, then a fresh start; offsets were not committed
            log.error("worker failed, starting again", extra={"error": repr(exc)[:300]})
            signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a stop request while we wait ends the process
            signal.signal(signal.SIGINT, signal.default_int_handler)
            time.sleep(2.0)


if __name__ == "__main__":
    main()
