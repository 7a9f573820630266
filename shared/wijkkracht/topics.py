"""Kafka topic names: one per producing service, and a dead-letter topic beside each."""

REGISTRATION = "wijkkracht.registration"
MATCHING = "wijkkracht.matching"
NOTIFICATIONS = "wijkkracht.notifications"

ALL = (REGISTRATION, MATCHING, NOTIFICATIONS)
PRODUCED_BY = {"registration": REGISTRATION, "matching": MATCHING, "notifications": NOTIFICATIONS}


def dlq(topic: str) -> str:
    return f"{topic}.dlq"
