"""Prometheus metrics shared by every service; services add their own beside these."""
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

EVENTS_PUBLISHED = Counter("wijkkracht_events_published_total", "Events handed to Kafka", ["type"])
EVENTS_CONSUMED = Counter("wijkkracht_events_consumed_total", "Valid events consumed", ["type"])
EVENTS_DEAD_LETTERED = Counter("wijkkracht_events_dead_lettered_total", "Messages sent to a DLQ", ["topic"])
HTTP_REQUESTS = Counter("wijkkracht_http_requests_total", "HTTP requests", ["method", "endpoint", "status"])
HTTP_LATENCY = Histogram("wijkkracht_http_request_seconds", "HTTP request latency", ["endpoint"])


def exposition() -> tuple[bytes, str]:
    return generate_latest(), CONTENT_TYPE_LATEST
