"""Door screens wait here for what changes at the door (an arrival, a colour, an undo), so every volunteer's
screen shows a colour the moment the worker stores it: a long poll with a bounded wait.

One thread per process reads the change counter of each evening someone waits on every 25 ms (one read by
``_id``) and wakes all the screens waiting on that evening at once; a screen costs no store reads while it
waits. The counter's document also says what made it move (a colour, an undo: ids and colours, never a
name), so the screens are answered with just that change, without reading the arrivals again; an arrival, or
changes the watch did not see one by one, are answered with the whole list. A wait holds one of gunicorn's threads, so only so many may wait per process (``DOOR_WAITERS``, half
the threads by default): a screen beyond that is answered at once and asked to come back in a second, and
the other pages stay responsive.
"""
import logging
import os
import threading
import time

from wijkkracht import config

from .. import SERVICE

log = logging.getLogger(__name__)

POLL_S = 0.025
SNAPSHOT_S = 2.0  # a change whose counter never moved (a crash in between) shows within this at the latest
LONGEST_WAIT_S = 10.0
HISTORY = 50  # changes kept per evening, to answer a screen a few behind  # short enough for a restart (gunicorn waits for requests in hand), long enough to be cheap


def max_waiters() -> int:
    threads = int(os.environ.get("GUNICORN_THREADS", "8"))
    return config.int_setting("DOOR_WAITERS", SERVICE, max(1, threads // 2))


class DoorWatch:
    """Per process: the change counters of the evenings that door screens wait on."""

    def __init__(self, state_of, waiters: int, poll_s: float = POLL_S):
        self.state_of = state_of  # meeting_id -> (counter, the change that made it), read from the store
        self.poll_s = poll_s
        self.changed = threading.Condition()
        self.versions: dict[str, int] = {}
        self.history: dict[str, dict[int, dict]] = {}  # meeting_id -> {counter: the change that made it}
        self.waiting: dict[str, int] = {}
        self.snapshots: dict[str, tuple[int, float, object]] = {}
        self.slots = threading.BoundedSemaphore(waiters)
        self.poller: threading.Thread | None = None

    def wait(self, meeting_id: str, since: int, timeout_s: float) -> int | None:
        """The evening's counter once it differs from ``since`` (or when ``timeout_s`` passed); None at once
        when too many screens of this process wait already."""
        if not self.slots.acquire(blocking=False):
            return None
        try:
            current, last = self.state_of(meeting_id)
            deadline = time.monotonic() + max(0.0, timeout_s)
            with self.changed:
                self.waiting[meeting_id] = self.waiting.get(meeting_id, 0) + 1
                self.versions.setdefault(meeting_id, current)
                self._remember(meeting_id, current, last)
                self._start_poller()
                while current == since and (left := deadline - time.monotonic()) > 0:
                    self.changed.wait(left)
                    current = self.versions.get(meeting_id, current)
                self.waiting[meeting_id] -= 1
                if not self.waiting[meeting_id]:
                    del self.waiting[meeting_id]
                    self.versions.pop(meeting_id, None)
            return current
        finally:
            self.slots.release()

    def _remember(self, meeting_id: str, version: int, change: dict | None):
        if change is not None:
            seen = self.history.setdefault(meeting_id, {})
            seen[version] = change
            for old in sorted(seen)[:-HISTORY]:
                del seen[old]

    def changes(self, meeting_id: str, since: int, version: int) -> list[dict] | None:
        """The changes from ``since`` to ``version``, if this process saw every one of them."""
        with self.changed:
            seen = self.history.get(meeting_id, {})
            found = [seen.get(v) for v in range(since + 1, version + 1)]
        return found if found and all(found) else None

    def snapshot(self, meeting_id: str, version: int, build):
        """What the screens of this process are shown at ``version``: built once, however many wake at once."""
        with self.changed:
            cached = self.snapshots.get(meeting_id)
        if cached and cached[0] == version and time.monotonic() - cached[1] < SNAPSHOT_S:
            return cached[2]
        built = build()
        with self.changed:
            self.snapshots[meeting_id] = (version, time.monotonic(), built)
            if len(self.snapshots) > 50:
                self.snapshots.pop(next(iter(self.snapshots)))
        return built

    def _start_poller(self):
        if self.poller is None or not self.poller.is_alive():
            self.poller = threading.Thread(target=self._poll, name="door-watch", daemon=True)
            self.poller.start()

    def _poll(self):
        idle_since = None
        while True:
            with self.changed:
                watched = list(self.waiting)
            if not watched:
                idle_since = idle_since or time.monotonic()
                if time.monotonic() - idle_since > 30:
                    with self.changed:
                        if not self.waiting:
                            self.poller = None
                            return
            else:
                idle_since = None
            for meeting_id in watched:
                try:
                    version, last = self.state_of(meeting_id)
                except Exception as exc:  # noqa: BLE001 - the store briefly away: the screens wait on
                    log.warning("door watch could not read", extra={"error": repr(exc)[:200]})
                    time.sleep(1)
                    continue
                with self.changed:
                    if meeting_id in self.versions and self.versions[meeting_id] != version:
                        self.versions[meeting_id] = version
                        self._remember(meeting_id, version, last)
                        self.changed.notify_all()
            time.sleep(self.poll_s)


_made = threading.Lock()


def door_watch(app, store) -> DoorWatch:
    """The process's watch, made on first use (after gunicorn forked)."""
    with _made:
        if "registration.door_watch" not in app.extensions:
            app.extensions["registration.door_watch"] = DoorWatch(store.door_state, max_waiters())
        return app.extensions["registration.door_watch"]
