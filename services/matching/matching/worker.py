"""The matching worker: consumes registration's events, relays matching's outbox, makes closed evenings'
proposals (a job of its own, so a big evening never holds up the door). ``python -m matching.worker``."""
from wijkkracht import topics, worker

from . import SERVICE, config
from .adapters import store
from .handlers import EVENT_HANDLERS, RUN_HANDLERS, proposals_job


def main():
    config.check_secrets_or_exit()
    worker.run(SERVICE, consumes=[topics.REGISTRATION], handlers=EVENT_HANDLERS,
               outbox_collections=store.OUTBOX_COLLECTIONS, setup=store.ensure_indexes,
               jobs=[proposals_job], run_handlers=RUN_HANDLERS)


if __name__ == "__main__":
    main()
