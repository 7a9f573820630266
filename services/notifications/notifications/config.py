"""Configuration of the notifications service: functions over the environment, with working local defaults.

``NOTIFICATIONS_<NAME>`` overrides ``<NAME>`` (wijkkracht.config.setting).
"""
from wijkkracht import config

SERVICE = "notifications"


def setting(name: str, default: str | None = None) -> str | None:
    return config.setting(name, SERVICE, default)


def int_setting(name: str, default: int) -> int:
    return config.int_setting(name, SERVICE, default)


def float_setting(name: str, default: float) -> float:
    return config.float_setting(name, SERVICE, default)


def bool_setting(name: str, default: bool) -> bool:
    value = setting(name, "1" if default else "0")
    return value.strip().lower() in ("1", "true", "yes", "on")


# --- SMTP -------------------------------------------------------------------------------------------------

def smtp_host() -> str:
    return setting("SMTP_HOST")


def smtp_port() -> int:
    return int_setting("SMTP_PORT", 2525)


def smtp_security() -> str:
    """``none`` (plain, the dev server), ``starttls`` or ``tls`` (implicit TLS, port 465)."""
    return (setting("SMTP_SECURITY", "none") or "none").lower()


def smtp_credentials() -> tuple[str, str] | None:
    user, password = setting("SMTP_USERNAME", ""), setting("SMTP_PASSWORD", "")
    return (user, password) if user else None


def smtp_timeout_s() -> float:
    return float_setting("SMTP_TIMEOUT_S", 5.0)


def mail_from() -> str:
    return setting("MAIL_FROM", "Wijkkracht <noreply@wijkkracht.nl>")


def message_id_domain() -> str:
    return setting("MESSAGE_ID_DOMAIN", "wijkkracht.nl")


# --- SMS --------------------------------------------------------------------------------------------------

def sms_provider() -> str:
    """``dev`` (the development gateway) or ``messagebird``."""
    return (setting("SMS_PROVIDER", "dev") or "dev").lower()


def sms_gateway_url() -> str:
    return setting("SMS_GATEWAY_URL")


def sms_sender() -> str:
    """The originator shown on the phone: at most 11 alphanumeric characters."""
    return setting("SMS_SENDER", "Wijkkracht")


def sms_timeout_s() -> float:
    return float_setting("SMS_TIMEOUT_S", 5.0)


def messagebird_access_key() -> str | None:
    return setting("MESSAGEBIRD_ACCESS_KEY", "") or None


def messagebird_url() -> str:
    return setting("MESSAGEBIRD_URL", "https://rest.messagebird.com")


def sms_webhook_token() -> str:
    """Shared secret the SMS provider puts in the inbound-message webhook URL (``?token=``)."""
    return config.secret("SMS_WEBHOOK_TOKEN", SERVICE)


# --- Delivery ---------------------------------------------------------------------------------------------

LEASE_MARGIN_S = 2.0


def lease_s() -> float:
    """How long a sender owns the deliveries it claimed; a killed sender's claims are retried after this.
    Never shorter than a hand-over can take (connect, then the answer: twice the provider timeout, plus a
    margin for the store), or a slow provider's message would be claimed and sent a second time."""
    floor = 2 * max(smtp_timeout_s(), sms_timeout_s()) + LEASE_MARGIN_S
    return max(float_setting("LEASE_S", floor), floor)


def claim_batch() -> int:
    return int_setting("CLAIM_BATCH", 100)


def sender_threads() -> int:
    """Each waits mostly on the store and the provider. Measured on 2 cores, 1,000 confirmations
    (bench/notifications_smtp.py): with the store's write lock per collection 3 threads and 6 did the same;
    per document, 3 threads 23/s, 6 threads 28-30/s."""
    return int_setting("SENDER_THREADS", 6)


def idle_poll_s() -> float:
    return float_setting("IDLE_POLL_S", 0.25)


def retry_base_s() -> float:
    return float_setting("RETRY_BASE_S", 1.0)


def retry_cap_s() -> float:
    return float_setting("RETRY_CAP_S", 30.0)


def max_attempts() -> int:
    """0: no limit by count; a delivery is given up by age (``give_up_hours``)."""
    return int_setting("MAX_ATTEMPTS", 0)


def give_up_hours() -> float:
    """How long a delivery keeps being retried while its provider is down before it is marked failed (the
    organiser sees it in the delivery log and can resend it)."""
    return float_setting("DELIVERY_GIVE_UP_HOURS", 24.0)


def wait_for_context_s() -> float:
    """How long a message waits for the evening or the person to become known before going out without it."""
    return float_setting("WAIT_FOR_CONTEXT_S", 20.0)


def reminder_before_h() -> float:
    return float_setting("REMINDER_BEFORE_H", 24.0)


def timezone() -> str:
    return setting("TIMEZONE", "Europe/Amsterdam")


def quiet_hours() -> tuple[int, int]:
    """SMS due between these local hours is held until the end hour."""
    return int_setting("QUIET_FROM_H", 21), int_setting("QUIET_UNTIL_H", 8)


def public_base_url() -> str:
    """Where residents reach this service (the unsubscribe page)."""
    return setting("NOTIFICATIONS_PUBLIC_BASE_URL", "http://127.0.0.1:8003").rstrip("/")


def registration_base_url() -> str:
    """Where residents reach the registration service (their evening page): its PUBLIC_BASE_URL, the plain
    variable every service gets (``NOTIFICATIONS_REGISTRATION_BASE_URL`` overrides it here)."""
    return (setting("REGISTRATION_BASE_URL", "") or config.setting("PUBLIC_BASE_URL")).rstrip("/")


# What this service's processes sign or check with; in production each must be set (config.check_secrets).
REQUIRED_SECRETS = ("LINK_SECRET", "SMS_WEBHOOK_TOKEN", "ORGANISER_TOKENS")  # the delivery log is for organisers


def check_secrets():
    """The app factory's first step: raises MissingSecret naming the variable."""
    config.check_secrets(SERVICE, REQUIRED_SECRETS)


def check_secrets_or_exit():
    """The worker's (and CLI's) first step: the message on stderr, exit status 1."""
    config.exit_on_missing_secrets(SERVICE, REQUIRED_SECRETS)


def link_secret() -> str:
    """Signs the unsubscribe links (which never expire: unsubscribing must keep working)."""
    return config.secret("LINK_SECRET", SERVICE)


def secret_key() -> str:
    return link_secret()
