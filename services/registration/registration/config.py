"""Registration settings: functions over the environment, with working local defaults."""
from wijkkracht import config

from . import SERVICE


def secret_key() -> str:
    return config.setting("SECRET_KEY", SERVICE)


def public_base_url() -> str:
    return config.setting("PUBLIC_BASE_URL", SERVICE).rstrip("/")


def timezone() -> str:
    return config.setting("TIMEZONE", SERVICE)


def signup_rate_limit_per_minute() -> int:
    """Form sign-ups one client address may post per minute (a bot defence, generous for a shared wifi)."""
    return config.int_setting("SIGNUP_RATE_PER_MINUTE", SERVICE, 30)


def login_max_failures() -> int:
    return config.int_setting("LOGIN_MAX_FAILURES", SERVICE, 5)


def login_lockout_seconds() -> int:
    return config.int_setting("LOGIN_LOCKOUT_S", SERVICE, 300)


def retention_days() -> int:
    """Days after an evening after which its residents' personal data is removed."""
    return config.int_setting("RETENTION_DAYS", SERVICE, 365)


def retention_interval_seconds() -> float:
    return config.float_setting("RETENTION_INTERVAL_S", SERVICE, 3600.0)


def secure_cookies() -> bool:
    return (config.setting("SECURE_COOKIES", SERVICE, "0") or "0").lower() in ("1", "true", "yes")
