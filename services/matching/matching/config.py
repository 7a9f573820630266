"""Matching's settings: functions over the environment, with working local defaults."""
from wijkkracht import config

from . import SERVICE


def max_evening_minutes() -> int:
    """The longest programme the timetable may fill (rounds beyond it are dropped, fairly)."""
    return config.int_setting("MAX_EVENING_MINUTES", SERVICE, 180)


def suggestions_per_resident() -> int:
    return max(1, min(3, config.int_setting("SUGGESTIONS_PER_RESIDENT", SERVICE, 3)))


# What this service's processes sign or check with; in production each must be set (config.check_secrets).
REQUIRED_SECRETS = ("LINK_SECRET", "ORGANISER_TOKENS")


def check_secrets():
    """The app factory's first step: raises MissingSecret naming the variable."""
    config.check_secrets(SERVICE, REQUIRED_SECRETS)


def check_secrets_or_exit():
    """The worker's (and CLI's) first step: the message on stderr, exit status 1."""
    config.exit_on_missing_secrets(SERVICE, REQUIRED_SECRETS)


def link_secret() -> str:
    """Signs the residents' accept/decline links."""
    return config.secret("LINK_SECRET", SERVICE)


def secret_key() -> str:
    return link_secret()


def answer_link_max_age_s() -> int:
    """An answer link works this long after it was made (60 days: long after the evening, not for ever)."""
    return config.int_setting("ANSWER_LINK_MAX_AGE_S", SERVICE, 60 * 24 * 3600)


def answer_base_url() -> str:
    """Where residents open their accept/decline links: this service's public address."""
    return config.setting("ANSWER_BASE_URL", SERVICE, "http://127.0.0.1:8002").rstrip("/")


def registration_base_url() -> str:
    """Where residents reach the registration service (their evening page and its idea form): its
    PUBLIC_BASE_URL, or REGISTRATION_BASE_URL when matching is told apart."""
    return (config.setting("REGISTRATION_BASE_URL", SERVICE, "") or config.setting("PUBLIC_BASE_URL")).rstrip("/")


def colour_retry_limit() -> int:
    return config.int_setting("COLOUR_RETRIES", SERVICE, 20)
