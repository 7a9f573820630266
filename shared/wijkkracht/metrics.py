"""Prometheus metrics shared by every service; services add their own beside these."""
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

EVENTS_PUBLISHED = Counter("wijkkracht_events_published_total", "Events handed to Kafka", ["type"])
EVENTS_CONSUMED = Counter("wijkkracht_events_consumed_total", "Valid events consumed", ["type"])
EVENTS_DEAD_LETTERED = Counter("wijkkracht_events_dead_lettered_total", "Messages sent to a DLQ", ["topic"])
EVENTS_HELD = Counter("wijkkracht_events_held_total",
                      "Messages held (partition paused, retried) while the store or broker was away", ["topic"])
EVENTS_PARKED = Counter("wijkkracht_outbox_events_parked_total",
                        "Outbox events the broker refused for good (too large), parked for the operator", ["type"])
EVENTS_REPLAYED = Counter("wijkkracht_events_replayed_total", "Dead-lettered messages put back", ["topic"])
HTTP_REQUESTS = Counter("wijkkracht_http_requests_total", "HTTP requests", ["method", "endpoint", "status"])
HTTP_LATENCY = Histogram("wijkkracht_http_request_seconds", "HTTP request latency", ["endpoint"])


def exposition() -> tuple[bytes, str]:
    return generate_latest(), CONTENT_TYPE_LATEST
