"""Kafka topic names: one per producing service, and a dead-letter topic beside each."""

REGISTRATION = "wijkkracht.registration"
MATCHING = "wijkkracht.matching"
NOTIFICATIONS = "wijkkracht.notifications"

ALL = (REGISTRATION, MATCHING, NOTIFICATIONS)
PRODUCED_BY = {"registration": REGISTRATION, "matching": MATCHING, "notifications": NOTIFICATIONS}


def dlq(topic: str) -> str:
    return f"{topic}.dlq"


# How long a topic keeps events, dead-letter topics too: with each service's own erasure, the outer bound of how
# long a person's data lives after DELETE /api/v1/people/<id> (DESIGN §3). Set on every topic, so a broker with
# another default (or none) keeps them no longer.
RETENTION_MS = 7 * 24 * 60 * 60 * 1000


def topic_config() -> dict[str, str]:
    """The settings every project topic is made (and kept) with."""
    return {"retention.ms": str(RETENTION_MS)}
