"""The notifications service's own Prometheus metrics, beside the shared ones."""
from prometheus_client import Counter, Histogram

SENT = Counter("notifications_sent_total", "Messages handed over and accepted", ["channel", "kind"])
FAILED = Counter("notifications_failed_total", "Messages given up on (permanent failure or attempts exhausted)",
                 ["channel", "kind"])
RETRIED = Counter("notifications_retried_total", "Hand-overs that failed transiently and will be retried",
                  ["channel", "kind"])
SUPPRESSED = Counter("notifications_suppressed_total", "Messages not sent on purpose", ["kind"])
HANDOVER_LATENCY = Histogram(
    "notifications_event_to_handover_seconds", "From the causing event to the provider's acceptance",
    ["channel", "kind"], buckets=(0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600))
