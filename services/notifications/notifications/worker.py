"""The notifications worker: consumes registration's and matching's events, sends what is due, relays its
outbox. ``python -m notifications.worker``."""
import datetime as dt
import logging
import os
import sys
import threading

from prometheus_client import start_http_server

from wijkkracht import topics, worker

from . import config
from .adapters import email, sms, store
from .domain import model
from .handlers import EVENT_HANDLERS, RUN_HANDLERS
from .render import Renderer
from .sender import Sender, Settings, Wakeup

log = logging.getLogger(__name__)


def smtp_transport() -> email.SmtpTransport:
    return email.SmtpTransport(config.smtp_host(), config.smtp_port(), security=config.smtp_security(),
                               credentials=config.smtp_credentials(), timeout_s=config.smtp_timeout_s())


def sender_job(runtime, wake: Wakeup):
    """Several sender threads, each with its own SMTP and SMS connection; claims keep them apart."""
    renderer = Renderer(tz=config.timezone())
    settings = Settings.from_config(config)
    threads = []
    count, salt = config.sender_threads(), os.urandom(4)
    for i in range(count):  # 0: a worker that only consumes (benchmarks, debugging)
        sender = Sender(runtime.db, renderer, smtp_transport(), sms.from_config(config), settings,
                        share=(i, count), salt=salt)
        thread = threading.Thread(target=sender.run, args=(runtime.stopping, wake), name=f"sender-{i}", daemon=True)
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()


def housekeeping_job(runtime):
    """Moves what falls due soon to the senders' lanes (today's and tomorrow's; once an hour, and at start,
    the past month's too, for a worker that was down), and gives reminders recorded before their evening
    was known their time (a race between keys)."""
    rounds = 0
    while not runtime.stopping.wait(0 if rounds == 0 else config.float_setting("HOUSEKEEPING_S", 5.0)):
        try:
            today = store.now().date()
            days = [today, today + dt.timedelta(days=1)]
            if rounds % 720 == 0:
                days += [today - dt.timedelta(days=n) for n in range(1, 32)]
            rounds += 1
            store.promote(runtime.db, store.waiting_later(runtime.db, days))
            for meeting_id in {w["meeting_id"] for w in store.waiting_later(runtime.db, [store.NOT_YET.date()])
                               if w["kind"] == model.REMINDER and w.get("meeting_id")}:
                meeting = store.meeting(runtime.db, meeting_id)
                if meeting:
                    store.reschedule_reminders(runtime.db, meeting_id,
                                               model.reminder_due(meeting["starts_at"], config.reminder_before_h()))
        except Exception as exc:  # noqa: BLE001 - next round
            log.warning("housekeeping failed", extra={"error": repr(exc)[:200]})


def serve_metrics():
    """The worker's counters (sent, failed, retried, latency) on their own port; 0 turns it off."""
    port = config.int_setting("WORKER_METRICS_PORT", 9103)
    if port:
        try:
            start_http_server(port, addr="127.0.0.1" if config.setting("WORKER_METRICS_ADDR") is None
                              else config.setting("WORKER_METRICS_ADDR"))
        except OSError as exc:
            log.warning("worker metrics port unavailable", extra={"port": port, "error": repr(exc)})


# The consumer thread makes many short store round trips, and after each one waits for the GIL, which a
# sender busy rendering and building a message holds for up to the switch interval (5 ms by default):
# measured, a handler took 6.6 ms alone, 113 ms beside two busy threads, 32 ms with a 0.5 ms interval.
SWITCH_INTERVAL_S = 0.0005


def main():
    config.check_secrets_or_exit()
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    serve_metrics()
    wake = Wakeup(config.sender_threads())

    def senders(runtime):
        # Handlers wake an idle sender the moment a delivery is queued: the colour must not wait for a poll.
        runtime.wake_senders = wake.notify
        sender_job(runtime, wake)

    worker.run(config.SERVICE, consumes=[topics.REGISTRATION, topics.MATCHING],
               handlers=EVENT_HANDLERS, run_handlers=RUN_HANDLERS, outbox_collections=["deliveries"],
               setup=store.ensure_indexes,
               jobs=[senders, housekeeping_job])


if __name__ == "__main__":
    main()
