"""The worker process every service runs: its consumer loops (one per topic), its outbox relay and its jobs.

Clients are made here, in the process, never at import time. SIGTERM finishes the message in hand,
stops the relay and jobs, and closes cleanly.
"""
import dataclasses
import logging
import signal
import threading
from typing import Callable

from kafka import KafkaProducer
from prometheus_client import start_http_server
from pymongo import MongoClient
from pymongo.database import Database

from . import logging as wlogging
from . import config, mongo, topics
from .events import Event
from .kafka import ConsumerLoop, make_producer
from .outbox import OutboxRelay

log = logging.getLogger(__name__)

# Each worker's own counters (consumed, dead-lettered, held, parked outbox events) on a port of its own; the
# API's /metrics is another process. WORKER_METRICS_PORT (or <SERVICE>_WORKER_METRICS_PORT) moves it, 0 = off.
METRICS_PORTS = {"registration": 9101, "matching": 9102, "notifications": 9103}


def serve_metrics(service: str):
    port = config.int_setting("WORKER_METRICS_PORT", service, METRICS_PORTS.get(service, 0))
    if not port:
        return
    try:
        start_http_server(port, addr=config.setting("WORKER_METRICS_ADDR", service, "127.0.0.1"))
    except OSError as exc:  # taken (a second replica on this host, or the service serves its own): go without
        log.info("worker metrics port not served here", extra={"port": port, "error": repr(exc)})


@dataclasses.dataclass
class Runtime:
    """What handlers and jobs are given: the service's database and a producer."""
    service: str
    client: MongoClient
    db: Database
    producer: KafkaProducer
    stopping: threading.Event


EventHandler = Callable[[Event, Runtime], None]
RunHandler = Callable[[list[Event], Runtime], None]  # consecutive events of one type, together (kafka.py)
Job = Callable[[Runtime], None]  # runs until runtime.stopping is set


def dispatcher(handlers: dict[str, list[EventHandler]], runtime: Runtime,
               written: Callable[[], None] = lambda: None) -> Callable[[Event], None]:
    """Calls every handler registered for an event's type; types not in the table are not ours. After a
    handler ran, ``written()`` (the relay's wake): what it wrote with events leaves at once, not at the next look."""

    def dispatch(event: Event):
        ran = False
        try:
            for handler in handlers.get(event.type, ()):
                ran = True
                handler(event, runtime)
        finally:
            if ran:
                written()

    return dispatch


def run(service: str, *, consumes: list[str], handlers: dict[str, list[EventHandler]],
        outbox_collections: list[str], setup: Callable[[Database], None], jobs: list[Job] = (),
        run_handlers: dict[str, RunHandler] | None = None):
    wlogging.configure(service)
    serve_metrics(service)
    stopping = threading.Event()
    client = mongo.connect(service)
    db = mongo.database(client, service)
    setup(db)
    producer = make_producer(service)
    runtime = Runtime(service, client, db, producer, stopping)
    relay = OutboxRelay(db, outbox_collections, producer, topics.PRODUCED_BY[service])
    run_handlers = run_handlers or {}

    def dispatch_run(events: list[Event]):
        try:
            run_handlers[events[0].type](events, runtime)
        finally:
            relay.wake()

    # One consumer loop per topic, all in the service's group: a backlog on one topic (a thousand sign-ups)
    # never holds another's events (the colour for someone at the door). Kafka orders nothing across topics
    # anyway, so handlers already cope with events of different topics in any order.
    dispatch = dispatcher(handlers, runtime, relay.wake)
    loops = [ConsumerLoop(service, [topic], dispatch, producer, dispatch_run=dispatch_run,
                          run_types=frozenset(run_handlers)) for topic in consumes]

    def stop_all():
        stopping.set()
        for loop in loops:
            loop.stop()

    def on_signal(signum, _frame):
        log.info("stopping", extra={"signal": signum})
        stop_all()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    threads = [threading.Thread(target=relay.run, args=(stopping,), name="outbox-relay", daemon=True)]
    threads += [threading.Thread(target=job, args=(runtime,), name=job.__name__, daemon=True) for job in jobs]
    for thread in threads:
        thread.start()
    log.info("worker started", extra={"consumes": consumes})
    crashed = []

    def consume(loop: ConsumerLoop):
        try:
            loop.run()
        except BaseException:
            # A loop that dies takes the worker down, as it did when it ran in the main thread: the runner or
            # the orchestrator starts it again, rather than it living on deaf to one topic.
            log.exception("consumer loop crashed, stopping the worker", extra={"topics": loop.topic_names})
            crashed.append(loop.topic_names)
            stop_all()

    consumers = [threading.Thread(target=consume, args=(loop,), name=f"consumer-{topic}", daemon=True)
                 for loop, topic in zip(loops, consumes)]
    for thread in consumers:
        thread.start()
    try:
        while not stopping.wait(1.0):
            pass
    finally:
        stop_all()
        for thread in consumers:
            thread.join(timeout=30)
        for thread in threads:
            thread.join(timeout=10)
        producer.flush(timeout=10)
        producer.close(timeout=10)
        client.close()
        log.info("worker stopped")
    if crashed:
        raise SystemExit(1)
