"""The matching worker: consumes registration's events, relays matching's outbox. ``python -m matching.worker``."""
import logging

from wijkkracht import topics, worker

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


def main():
    worker.run(SERVICE, consumes=[topics.REGISTRATION], handlers=EVENT_HANDLERS,
               outbox_collections=store.OUTBOX_COLLECTIONS, setup=store.ensure_indexes, jobs=[archive_decisions])


if __name__ == "__main__":
    main()
