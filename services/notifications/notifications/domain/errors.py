"""How a hand-over can fail: transient faults are retried with backoff, permanent ones are not."""


class DeliveryError(Exception):
    """A provider did not take a message. ``reason`` is safe to store and show (no addresses)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class TransientError(DeliveryError):
    """Worth trying again later: SMTP 4xx, connection refused, a timeout, a gateway 5xx or 429."""


class PermanentError(DeliveryError):
    """Trying again would fail the same way: SMTP 5xx, a gateway 4xx (bad number, bad request)."""


class UnknownOutcome(TransientError):
    """The message was handed over but the answer was lost: we cannot know whether it was taken."""
