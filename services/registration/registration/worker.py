"""The registration worker: relays the outbox, keeps matching's colours and timetable, runs the jobs.

Run as ``python -m registration.worker``.
"""
import datetime as dt
import logging

from wijkkracht import topics, worker

from . import SERVICE, config, handlers, report_events
from .adapters.store import OUTBOX_COLLECTIONS, Store, ensure_indexes
from .adapters.store import now as store_now

log = logging.getLogger(__name__)


def places_job(runtime):
    """Every evening to come: forget the claims of registrations that hold their place (every few seconds, so
    an evening's document stays small during a rush) and give back places a crashed request left taken;
    every half minute also places a crashed cancellation kept, and free places go to the waitlist."""
    rounds = 0
    while not runtime.stopping.wait(5):
        rounds += 1
        try:
            store = Store(runtime.db)
            for places in store.places_of_evenings(store_now() - dt.timedelta(days=1)):
                handlers.repair_places(store, places["_id"], thorough=rounds % 6 == 0, places=places)
        except Exception as exc:  # noqa: BLE001 - the store briefly away: next round
            log.warning("places job failed", extra={"error": repr(exc)})


def retention_job(runtime):
    """Remove personal data of evenings older than RETENTION_DAYS."""
    interval = config.retention_interval_seconds()
    while not runtime.stopping.wait(min(interval, 60) if interval > 60 else interval):
        try:
            store = Store(runtime.db)
            removed = handlers.apply_retention(store, config.retention_days())
            store.purge_throttle()
            if removed:
                log.info("retention applied", extra={"registrations": removed})
        except Exception as exc:  # noqa: BLE001
            log.warning("retention job failed", extra={"error": repr(exc)})


def door_keys_job(runtime):
    """Once: registrations written before the door searched by keys get their keys (retried while the store is away)."""
    while True:
        try:
            added = handlers.add_door_keys(Store(runtime.db), config.person_id_secret())
            if added:
                log.info("door search keys added", extra={"registrations": added})
            return
        except Exception as exc:  # noqa: BLE001 - the store briefly away: again in a while
            log.warning("door keys job failed", extra={"error": repr(exc)})
        if runtime.stopping.wait(10):
            return


def main():
    config.check_secrets_or_exit()
    worker.run(SERVICE, consumes=[topics.MATCHING], handlers=handlers.EVENT_HANDLERS,
               run_handlers=handlers.RUN_HANDLERS,
               outbox_collections=OUTBOX_COLLECTIONS, setup=ensure_indexes,
               jobs=[places_job, retention_job, door_keys_job,
                     # the report's read model: its own consumer group, and each changed evening's digest
                     report_events.consumer_job, report_events.settle_job])


if __name__ == "__main__":
    main()
