"""Registration settings: functions over the environment, with working local defaults."""
from wijkkracht import config

from . import SERVICE


# What this service's processes sign or check with; in production each must be set (config.check_secrets).
REQUIRED_SECRETS = ("SESSION_SECRET", "LINK_SECRET", "PERSON_ID_SECRET", "ORGANISER_TOKENS")


def check_secrets():
    """The app factory's first step: raises MissingSecret naming the variable."""
    config.check_secrets(SERVICE, REQUIRED_SECRETS)


def check_secrets_or_exit():
    """The worker's (and CLI's) first step: the message on stderr, exit status 1."""
    config.exit_on_missing_secrets(SERVICE, REQUIRED_SECRETS)


def session_secret() -> str:
    """Signs the organisers' session cookies (Flask's SECRET_KEY)."""
    return config.secret("SESSION_SECRET", SERVICE)


def link_secret() -> str:
    """Signs the links residents get (cancel, confirmation)."""
    return config.secret("LINK_SECRET", SERVICE)


def person_id_secret() -> str:
    """The key of the hash that turns contact details into a person id."""
    return config.secret("PERSON_ID_SECRET", SERVICE)


def secret_key() -> str:
    """Kept for callers that sign with "the" key: the session key, never the link or person-id key."""
    return session_secret()


def public_base_url() -> str:
    return config.setting("PUBLIC_BASE_URL", SERVICE).rstrip("/")


def timezone() -> str:
    return config.setting("TIMEZONE", SERVICE)


def signup_rate_limit_per_minute() -> int:
    """Form sign-ups one client address may post per minute (a bot defence, generous for a shared wifi)."""
    return config.int_setting("SIGNUP_RATE_PER_MINUTE", SERVICE, 30)


def login_max_failures() -> int:
    """Failed logins for one account from one client address within LOGIN_LOCKOUT_S. Never per account alone:
    failing with an organiser's email elsewhere must not lock the organiser out."""
    return config.int_setting("LOGIN_MAX_FAILURES", SERVICE, 5)


def login_lockout_seconds() -> int:
    return config.int_setting("LOGIN_LOCKOUT_S", SERVICE, 300)


def retention_days() -> int:
    """Days after an evening after which its residents' personal data is removed."""
    return config.int_setting("RETENTION_DAYS", SERVICE, 365)


def retention_interval_seconds() -> float:
    return config.float_setting("RETENTION_INTERVAL_S", SERVICE, 3600.0)


def secure_cookies() -> bool:
    """The session cookie only over HTTPS: SESSION_COOKIE_SECURE (or the older SECURE_COOKIES) when set,
    otherwise whenever PUBLIC_BASE_URL is https (the site is then reached through TLS)."""
    value = config.setting("SESSION_COOKIE_SECURE", SERVICE, "") or config.setting("SECURE_COOKIES", SERVICE, "")
    if value:
        return value.strip().lower() in ("1", "true", "yes", "on")
    return public_base_url().lower().startswith("https://")


def session_hours() -> float:
    """How long an organiser's login lasts (a door evening, not a month)."""
    return config.float_setting("SESSION_HOURS", SERVICE, 12.0)


def trusted_proxies() -> int:
    """How many reverse proxies in front of the api append to X-Forwarded-For; 0: the peer is the client."""
    return max(0, config.int_setting("TRUSTED_PROXIES", SERVICE, 0))


def api_rate_limit_per_minute() -> int:
    """JSON sign-ups and initiatives one client address may post per minute; 0 turns the limit off. Off by
    default in development (the tests and benchmarks post thousands from 127.0.0.1, some through apps of
    their own), 60 in production; the local runner sets it high and a test sets it low on its own app."""
    return config.int_setting("API_RATE_PER_MINUTE", SERVICE, 60 if config.is_production() else 0)


def login_max_failures_per_address() -> int:
    """Failed logins one client address may make (over any accounts) within the lockout window."""
    return config.int_setting("LOGIN_MAX_FAILURES_PER_ADDRESS", SERVICE, 20)


def cancel_link_hours_after_start() -> float:
    """A cancel link works until the evening's end: closed, or this long after it starts."""
    return config.float_setting("CANCEL_LINK_HOURS_AFTER_START", SERVICE, 6.0)
