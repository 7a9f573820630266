"""The sender: a worker job that claims due deliveries, renders them and hands them to SMTP or the SMS gateway.

Why "sent" is recorded where it is: a message must go out once, even when this process is SIGKILLed at any
moment. The one unsafe instant is between the provider taking a message and our record of it. So the
message is written to the provider up to its very last byte (the SMTP final dot, the HTTP request), and
the delivery is marked sent right then, before the provider's answer is read: the provider works on its
answer while our update travels. A kill before that last write leaves the delivery pending (the provider
discards a half-received message) and another sender retries it when the lease runs out; a kill after the
mark leaves it sent. If the answer then says no, the mark is turned back into a retry or a failure.

Per message that is three store round trips: the claim (which returns the delivery), the recipient, the mark.

A provider down for hours: the delivery is retried with capped backoff until it has been failing for
``give_up_h`` (24 h), then it is failed with the last error, and an organiser can resend it. The lease is
never shorter than a hand-over can take (config.lease_s), so a slow provider's message is not claimed twice.

An unknown outcome (the message written, the answer lost) is not resent blindly. The delivery waits as
``maybe_sent`` and its next try first reconciles: the SMS provider is asked by client reference (our
delivery id) whether it has the message; if it has, the delivery is sent, if not, it is sent now. SMTP has
no such question, but the Message-ID is derived from the delivery id, so a second copy is the same message
to the recipient's mail system, which shows it once; a lost confirmation is worse than that, so email is
sent again. A sender killed holding a delivery leaves the same doubt (``interrupted``, see store.claim), and
it is settled the same way.

So a message can go out twice only if its sender is killed (or cut off from the store) in the instant
between the provider taking it and the mark's write leaving this process. That instant is kept short: the
mark is built before the hand-over, and the worker's GIL switch interval is short (worker.py).
"""
import contextlib
import dataclasses
import datetime as dt
import logging
import os
import random
import socket
import threading
import time
import zlib

from pymongo.errors import PyMongoError

from . import compose, links, metrics, outcomes
from .adapters import email as email_adapter
from .adapters import store
from .domain import model
from .domain import sms as sms_text
from .domain.errors import DeliveryError, PermanentError, TransientError, UnknownOutcome

log = logging.getLogger(__name__)

URGENT_CHECK_S = 0.2  # how often a busy sender looks for a new colour to send first
HELP_AFTER = dt.timedelta(seconds=1)  # when a sender takes a delivery from another sender's share


@dataclasses.dataclass
class Settings:
    mail_from: str
    message_id_domain: str
    sms_sender: str
    public_base_url: str
    secret_key: str
    lease_s: float = 10.0
    claim_batch: int = 100
    idle_poll_s: float = 0.02
    retry_base_s: float = 1.0
    retry_cap_s: float = 30.0
    max_attempts: int = 0  # 0: no limit by count, only by age (give_up_h)
    give_up_h: float = 24.0
    wait_for_context_s: float = 20.0
    reminder_before_h: float = 24.0
    timezone: str = "Europe/Amsterdam"
    quiet: tuple[int, int] = (21, 8)

    @classmethod
    def from_config(cls, cfg) -> "Settings":
        return cls(mail_from=cfg.mail_from(), message_id_domain=cfg.message_id_domain(), sms_sender=cfg.sms_sender(),
                   public_base_url=cfg.public_base_url(), secret_key=cfg.secret_key(), lease_s=cfg.lease_s(),
                   claim_batch=cfg.claim_batch(), idle_poll_s=cfg.idle_poll_s(), retry_base_s=cfg.retry_base_s(),
                   retry_cap_s=cfg.retry_cap_s(), max_attempts=cfg.max_attempts(), give_up_h=cfg.give_up_hours(),
                   wait_for_context_s=cfg.wait_for_context_s(), reminder_before_h=cfg.reminder_before_h(), timezone=cfg.timezone(), quiet=cfg.quiet_hours())


class Wakeup:
    """How the consumer tells idle senders there is work: each new delivery wakes one idle sender, not all of
    them (all would race to claim the same colour, each with its store round trips, and only one can win).
    Wake-ups nobody was idle for are kept, up to one per sender, so a sender finishing its round looks again."""

    def __init__(self, senders: int = 1):
        self._most = max(1, senders)
        self._pending = 0
        self._changed = threading.Condition()

    def notify(self, new: int = 1):
        with self._changed:
            self._pending = min(self._most, self._pending + max(0, new))
            self._changed.notify(new)

    def wait(self, timeout_s: float) -> bool:
        """Until woken (True) or ``timeout_s`` passed (False)."""
        with self._changed:
            if not self._pending:
                self._changed.wait(timeout_s)
            if self._pending:
                self._pending -= 1
                return True
            return False


class Sender:
    """One sender thread: its own SMTP connection and SMS connection, claims under its own lease tokens."""

    def __init__(self, db, renderer, smtp, sms, settings: Settings, name: str | None = None,
                 share: tuple[int, int] = (0, 1), salt: bytes | None = None):
        self.db = db
        self.renderer = renderer
        self.transports = {model.EMAIL: smtp, model.SMS: sms}
        self.settings = settings
        self.owner = name or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
        self.rng = random.Random()
        self.share = share
        self.salt = os.urandom(4) if salt is None else salt

    def _in_turn(self, entries: list[dict], now: dt.datetime) -> tuple[list[dict], list[dict]]:
        """The deliveries this sender tries: its own share and, after it, others' (each popped from the end).
        The senders of one process share a salt and split the work: each takes its own share in ascending
        order, and another's only once it has waited ``HELP_AFTER`` (its sender is busy or gone), from the
        far end, so two senders try the same delivery only where they meet. Processes have different salts,
        so their orders differ as shuffles would."""
        mine, of = self.share
        keyed = [(zlib.crc32(self.salt + e["_id"].encode()), e) for e in entries]
        late = now - HELP_AFTER
        others = sorted(((k, e) for k, e in keyed if k % of != mine and e["due_at"] <= late), key=lambda ke: ke[0])
        own = sorted(((k, e) for k, e in keyed if k % of == mine), key=lambda ke: ke[0], reverse=True)
        return [e for _, e in own], [e for _, e in others]

    # --- the loop ---------------------------------------------------------------------------------------

    def run(self, stopping: threading.Event, wake: Wakeup | None = None):
        """Until ``stopping``: send what is due; when idle, sleep until ``wake`` (a new delivery) or a poll."""
        wake = wake or Wakeup()
        while not stopping.is_set():
            try:
                handled = self.run_once(stopping)
            except Exception as exc:  # noqa: BLE001 - the store away, say: claims make retrying safe
                log.warning("sender round failed, will retry", extra={"error": repr(exc)[:300]})
                stopping.wait(1.0)
                continue
            if not handled and not stopping.is_set():
                wake.wait(self.settings.idle_poll_s)
        for transport in self.transports.values():
            transport.close()

    def run_once(self, stopping: threading.Event | None = None) -> int:
        """Deal with what is due now; return how many deliveries this sender handled."""
        urgent, rest = store.due(self.db, self.settings.claim_batch)
        # Any sender takes a colour at once; the rest is shared out.
        self.rng.shuffle(urgent)
        own, helping = self._in_turn(rest, store.now())
        handled = 0
        down: dict[str, DeliveryError] = {}
        self._cache = {}
        look_again = time.monotonic() + URGENT_CHECK_S
        while urgent or own or helping:
            if stopping is not None and stopping.is_set():
                break
            if not urgent and time.monotonic() > look_again:
                # A colour that arrived meanwhile goes before the rest of the batch.
                urgent = store.due_urgent(self.db, self.settings.claim_batch)
                look_again = time.monotonic() + URGENT_CHECK_S
                continue
            if urgent or own:
                handled += self._handle(urgent.pop() if urgent else own.pop(), down)
            elif not (done := self._handle(helping.pop(), down)):
                helping = []  # met the other sender coming the other way: the rest of its share is done
            else:
                handled += done
        return handled

    def _handle(self, entry: dict, down: dict) -> int:
        if _in_hand(entry["_id"]):
            return 0  # handed over by another sender here, its mark still on the way (the store away)
        claimed = store.claim(self.db, entry, self.settings.lease_s, self.owner)
        if claimed is None:
            return 0  # another sender has it, or it is no longer due
        claim, delivery = claimed
        try:
            self.deliver(claim, delivery, self._context(delivery), down)
        except (PyMongoError, OSError):
            raise  # the store or network away: the lease runs out and the delivery is tried again
        except Exception as exc:  # noqa: BLE001 - one bad delivery must not stop the others
            log.exception("delivery could not be prepared", extra={"delivery_id": delivery["_id"]})
            store.finish(self.db, claim, model.FAILED, f"could not be prepared: {type(exc).__name__}",
                         counts_attempt=True,
                         events=[outcomes.event(model.FAILED, delivery, reason="could not be prepared")])
            metrics.FAILED.labels(delivery.get("channel") or "none", delivery["kind"]).inc()
        return 1

    def _cached(self, collection: str, key: str | None, load):
        if not key:
            return None
        if (collection, key) not in self._cache:
            self._cache[(collection, key)] = load(self.db, key)
        return self._cache[(collection, key)]

    def _context(self, delivery: dict) -> dict:
        """The read model a message needs, fetched by _id (evenings and initiatives once per round)."""
        data = delivery.get("data") or {}
        people = {}
        for person_id in (delivery.get("person_id"), data.get("resident_id")):
            if person_id:
                found = store.person(self.db, person_id)
                if found:
                    people[person_id] = found
        initiative_ids = {delivery.get("initiative_id"), *(data.get("initiative_ids") or []),
                          *(s.get("initiative_id") for s in data.get("suggestions") or [])} - {None}
        initiatives = {i: doc for i in initiative_ids if (doc := self._cached("initiatives", i, store.initiative))}
        meeting = self._cached("meetings", delivery.get("meeting_id"), store.meeting)
        # The registration's status matters where a cancel must stop the message; the confirmation
        # carries its code and cancel link itself.
        registration = store.registration(self.db, delivery.get("registration_id")) \
            if delivery["kind"] in model.ATTENDING_KINDS - {model.CONFIRMATION} or delivery["kind"] == model.CANCELLATION \
            else None
        return {"people": people, "initiatives": initiatives,
                "meetings": {meeting["_id"]: meeting} if meeting else {},
                "registrations": {registration["_id"]: registration} if registration else {}}

    # --- one delivery -----------------------------------------------------------------------------------

    def deliver(self, claim, delivery: dict, ctx: dict, down: dict | None = None):
        now = store.now()
        to = compose.recipient(delivery, ctx)
        meeting = ctx["meetings"].get(delivery.get("meeting_id"))
        plan = model.plan(delivery, to, meeting, now, registration=ctx["registrations"].get(delivery.get("registration_id")),
                          wait_for_context_s=self.settings.wait_for_context_s, reminder_before_h=self.settings.reminder_before_h,
                          tz=self.settings.timezone, quiet=self.settings.quiet)
        if plan.action == "send":
            missing = compose.context_missing(delivery, ctx)
            if missing:
                waited = model.waited_s(delivery, now)
                if waited < self.settings.wait_for_context_s:
                    plan = model.Plan("defer", until=now + model.wait_step(waited), reason=missing)
                else:
                    plan = model.Plan("suppress", reason=missing)
        if plan.action == "defer":
            store.defer(self.db, claim, plan.until, plan.reason, waiting_since=delivery.get("waiting_since") or now)
            return
        if plan.action == "suppress":
            store.finish(self.db, claim, model.SUPPRESSED, plan.reason,
                         events=[outcomes.event(model.SUPPRESSED, delivery, reason=plan.reason)])
            metrics.SUPPRESSED.labels(delivery["kind"]).inc()
            return
        channel = plan.channel
        if claim.remaining_s() <= 0:
            return  # this took longer than the lease: another sender may own it now, and will send it
        if down and channel in down:
            # The provider was unreachable a moment ago in this round: don't hammer it, schedule a retry.
            self._failed(claim, delivery, channel, down[channel], was_marked=False)
            return
        if _maybe_sent(delivery, channel) and self._reconciled(claim, delivery, channel):
            return
        mark = store.sent_mark(channel, events=[outcomes.event(model.SENT, delivery, channel)])
        with _handing_over(delivery["_id"]):
            try:
                confirm = self._hand_over(delivery, to, ctx, channel)
            except TransientError as exc:
                if down is not None and _unreachable(exc):
                    down[channel] = exc
                self._failed(claim, delivery, channel, exc, was_marked=False)
                return
            except PermanentError as exc:
                self._failed(claim, delivery, channel, exc, was_marked=False)
                return
            self._mark_sent(claim, mark)
        try:
            confirm()  # the provider's own id for it is not kept: it has ours (Message-ID, client reference)
        except DeliveryError as exc:
            self._failed(claim, delivery, channel, exc, was_marked=True)
            return
        metrics.SENT.labels(channel, delivery["kind"]).inc()
        if delivery["kind"] != model.REMINDER and delivery.get("attempts", 0) == 0:
            metrics.HANDOVER_LATENCY.labels(channel, delivery["kind"]).observe(
                max(0.0, (store.now() - delivery["event_at"]).total_seconds()))

    def _reconciled(self, claim, delivery: dict, channel: str) -> bool:
        """After an unknown outcome: True if the provider turns out to have the message (now marked sent) or
        can't be asked right now (retried later, still maybe sent); False if it has none: send it."""
        try:
            receipt = self.transports[channel].lookup(delivery["_id"])
        except NotImplementedError:
            return False  # this provider can't be asked: sent again, with the same reference
        except TransientError as exc:
            self._failed(claim, delivery, channel, exc, was_marked=False)
            return True
        if receipt is None:
            log.info("unknown outcome reconciled: not received, sending", extra={"delivery_id": delivery["_id"]})
            return False
        self._mark_sent(claim, store.sent_mark(channel, counts_attempt=False,
                                               events=[outcomes.event(model.SENT, delivery, channel)]))
        metrics.SENT.labels(channel, delivery["kind"]).inc()
        log.info("unknown outcome reconciled: the provider has it", extra={"delivery_id": delivery["_id"]})
        return True

    def _hand_over(self, delivery: dict, to: dict, ctx: dict, channel: str):
        audience = delivery.get("audience") or compose.PERSON
        recipient_id = delivery.get("initiative_id") if audience == compose.INITIATIVE else delivery.get("person_id")
        unsubscribe = links.unsubscribe_url(self.settings.public_base_url, self.settings.secret_key, audience,
                                            recipient_id, channel)
        outgoing = compose.compose(delivery, to, ctx, unsubscribe_url=unsubscribe)
        rendered = self.renderer.render(outgoing.template, outgoing.language, outgoing.context)
        if channel == model.EMAIL:
            message = email_adapter.build(
                delivery["_id"], sender=self.settings.mail_from, to=to["email"], to_name=to.get("name"),
                subject=rendered.subject, text=rendered.text, html=rendered.html,
                domain=self.settings.message_id_domain, unsubscribe_url=unsubscribe, sent_at=store.now(),
                attachments=outgoing.attachments)
            return self.transports[model.EMAIL].hand_over(_envelope_from(self.settings.mail_from), to["email"], message)
        text = sms_text.prepare(rendered.sms)
        return self.transports[model.SMS].hand_over(self.settings.sms_sender, to["phone"], text.text,
                                                    reference=delivery["_id"], unicode=text.encoding == "UCS-2")

    def _mark_sent(self, claim, mark: dict):
        """The message is out: record it (``mark``, with its ``delivery.sent``), and keep trying if the store
        hiccups (a lost mark means a resend). The same write each try, so a mark that landed twice is told once."""
        for attempt in range(50):
            try:
                store.mark_sent(self.db, claim, mark)
                return
            except Exception as exc:  # noqa: BLE001
                log.warning("could not mark sent yet", extra={"delivery_id": claim.delivery_id,
                                                              "error": repr(exc)[:200]})
                time.sleep(min(1.0, 0.05 * (attempt + 1)))
        log.error("gave up marking a sent delivery; it may be sent again", extra={"delivery_id": claim.delivery_id})

    def _failed(self, claim, delivery: dict, channel: str, exc: DeliveryError, *, was_marked: bool):
        attempts = delivery.get("attempts", 0) + 1
        kind = delivery["kind"]
        moment = store.now()
        failing_since = delivery.get("failing_since") or moment
        too_old = moment - failing_since >= dt.timedelta(hours=self.settings.give_up_h)
        too_many = bool(self.settings.max_attempts) and attempts >= self.settings.max_attempts
        # Still unknown until the provider has been asked (a failed lookup keeps it so).
        maybe_sent = channel if isinstance(exc, UnknownOutcome) or (
            (delivery.get("maybe_sent") == channel or _maybe_sent(delivery, channel)) and not was_marked) else None
        if isinstance(exc, TransientError) and not too_old and not too_many:
            delay = model.backoff_s(attempts, self.settings.retry_base_s, self.settings.retry_cap_s, self.rng)
            store.retry_later(self.db, claim, moment + dt.timedelta(seconds=delay), exc.reason,
                              attempted=True, was_marked=was_marked,
                              progress={"failing_since": failing_since, "maybe_sent": maybe_sent})
            metrics.RETRIED.labels(channel, kind).inc()
            log.info("delivery will be retried", extra={"delivery_id": delivery["_id"], "kind": kind,
                                                        "attempts": attempts, "delay_s": round(delay, 2),
                                                        "error": exc.reason})
            return
        reason = exc.reason if isinstance(exc, PermanentError) else \
            f"gave up after {attempts} attempts{' (outcome unknown)' if maybe_sent else ''}: {exc.reason}"
        store.finish(self.db, claim, model.FAILED, reason, was_marked=was_marked, counts_attempt=True,
                     events=[outcomes.event(model.FAILED, delivery, channel,
                                            "refused" if isinstance(exc, PermanentError) else "gave up")])
        metrics.FAILED.labels(channel, kind).inc()
        log.warning("delivery failed", extra={"delivery_id": delivery["_id"], "kind": kind, "error": reason})


# Deliveries this process has handed to a provider and not yet marked sent. While the store is away the
# mark waits (and the lease runs out); when it returns, another sender of this process must not take the
# delivery over and send it again before the mark lands. (Another process can, only after the lease.)
_IN_HAND: set[str] = set()
_IN_HAND_LOCK = threading.Lock()


def _in_hand(delivery_id: str) -> bool:
    with _IN_HAND_LOCK:
        return delivery_id in _IN_HAND


@contextlib.contextmanager
def _handing_over(delivery_id: str):
    with _IN_HAND_LOCK:
        _IN_HAND.add(delivery_id)
    try:
        yield
    finally:
        with _IN_HAND_LOCK:
            _IN_HAND.discard(delivery_id)


def _maybe_sent(delivery: dict, channel: str) -> bool:
    """Whether the provider may already have this SMS: an earlier try's answer was lost, or the sender before
    was killed holding it. The SMS provider can be asked (``_reconciled``); SMTP can't, so email is sent again
    with the same Message-ID."""
    return channel == model.SMS and (delivery.get("maybe_sent") == channel or bool(delivery.get("interrupted")))


def _envelope_from(header_from: str) -> str:
    """The bare address of a From header like ``Wijkkracht <noreply@wijkkracht.nl>``."""
    return header_from.rsplit("<", 1)[-1].rstrip(">").strip()


def _unreachable(exc: DeliveryError) -> bool:
    reason = exc.reason.lower()
    return any(word in reason for word in ("connect", "refused", "timed out", "timeout", "unreachable"))
