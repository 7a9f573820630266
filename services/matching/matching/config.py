"""Matching's settings: functions over the environment, with working local defaults."""
from wijkkracht import config

from . import SERVICE


def max_evening_minutes() -> int:
    """The longest programme the timetable may fill (rounds beyond it are dropped, fairly)."""
    return config.int_setting("MAX_EVENING_MINUTES", SERVICE, 180)


def suggestions_per_resident() -> int:
    return max(1, min(3, config.int_setting("SUGGESTIONS_PER_RESIDENT", SERVICE, 3)))


def secret_key() -> str:
    return config.setting("SECRET_KEY", SERVICE)


def answer_base_url() -> str:
    """Where residents open their accept/decline links: this service's public address."""
    return config.setting("ANSWER_BASE_URL", SERVICE, "http://127.0.0.1:8002").rstrip("/")


def colour_retry_limit() -> int:
    return config.int_setting("COLOUR_RETRIES", SERVICE, 20)
