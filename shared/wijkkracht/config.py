"""Configuration from environment variables, with working local defaults.

A service-prefixed variable overrides the plain one: ``MATCHING_MONGODB_URI`` beats ``MONGODB_URI``
for the matching service.
"""
import hashlib
import hmac
import os

LOCAL_DEFAULTS = {
    "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:19092",
    "MONGODB_URI": "mongodb://127.0.0.1:27117/",
    "SMTP_HOST": "127.0.0.1",
    "SMTP_PORT": "2525",
    "SMS_GATEWAY_URL": "http://127.0.0.1:8026",
    "ORGANISER_TOKENS": "dev-organiser-token",
    "SECRET_KEY": "dev-secret-change-me",
    "PUBLIC_BASE_URL": "http://127.0.0.1:8001",
    "TIMEZONE": "Europe/Amsterdam",
}


def setting(name: str, service: str | None = None, default: str | None = None) -> str | None:
    """The value of ``name``: ``<SERVICE>_<name>`` first, then ``name``, then the local default."""
    if service:
        prefixed = os.environ.get(f"{service.upper()}_{name}")
        if prefixed is not None:
            return prefixed
    if name in os.environ:
        return os.environ[name]
    return default if default is not None else LOCAL_DEFAULTS.get(name)


def int_setting(name: str, service: str | None = None, default: int = 0) -> int:
    return int(setting(name, service, str(default)))


def float_setting(name: str, service: str | None = None, default: float = 0.0) -> float:
    return float(setting(name, service, str(default)))


def kafka_bootstrap_servers(service: str | None = None) -> list[str]:
    return [s.strip() for s in setting("KAFKA_BOOTSTRAP_SERVERS", service).split(",") if s.strip()]


def mongodb_uri(service: str | None = None) -> str:
    return setting("MONGODB_URI", service)


def database_name(service: str) -> str:
    """Each service owns one database, named after it unless configured otherwise."""
    return setting("MONGODB_DATABASE", service, service)


def organiser_tokens(service: str | None = None) -> list[str]:
    # Production never falls back to the development token, whichever process asks.
    raw = setting("ORGANISER_TOKENS", service, "" if is_production() else None) or ""
    return [t.strip() for t in raw.split(",") if t.strip()]


# --- Secrets ----------------------------------------------------------------------------------------------
# Development runs on built-in values so a clone works at once; WIJKKRACHT_ENV=production refuses them, so a
# deployment cannot run on keys anyone can read here (a forged session or link signed with them would pass).

DEVELOPMENT_VALUES = {
    "SECRET_KEY": {LOCAL_DEFAULTS["SECRET_KEY"]},
    "ORGANISER_TOKENS": {LOCAL_DEFAULTS["ORGANISER_TOKENS"]},
    "SMS_WEBHOOK_TOKEN": {"dev-sms-webhook-token"},
}
# One key per use, so a leaked link key does not forge sessions and neither recomputes person ids. In
# development each is derived from SECRET_KEY; in production each must be set on its own.
DERIVED_SECRETS = ("SESSION_SECRET", "LINK_SECRET", "PERSON_ID_SECRET")


class MissingSecret(RuntimeError):
    """A production process was started without a secret it needs, or with its development value."""


def environment() -> str:
    return (os.environ.get("WIJKKRACHT_ENV") or "development").strip().lower()


def is_production() -> bool:
    return environment() == "production"


def _derived(name: str, service: str | None) -> str:
    base = setting("SECRET_KEY", service) or ""
    return hmac.new(base.encode(), name.encode(), hashlib.sha256).hexdigest()


def _development_values(name: str, service: str | None) -> set[str]:
    if name in DERIVED_SECRETS:
        return {_derived(name, service), _derived(name, None),
                hmac.new(LOCAL_DEFAULTS["SECRET_KEY"].encode(), name.encode(), hashlib.sha256).hexdigest(),
                *DEVELOPMENT_VALUES["SECRET_KEY"]}
    return DEVELOPMENT_VALUES.get(name, set())


def secret(name: str, service: str | None = None) -> str:
    """A signing key or token: its configured value; in development, a value derived from SECRET_KEY (or the
    built-in one). Production never falls back: check_secrets at start-up has refused that already."""
    value = setting(name, service, "")
    if value:
        return value
    if is_production():
        raise MissingSecret(f"{name} is not set (WIJKKRACHT_ENV=production)")
    if name in DERIVED_SECRETS:
        return _derived(name, service)
    return next(iter(DEVELOPMENT_VALUES.get(name, {""})))


def secret_problems(names: list[str] | tuple[str, ...], service: str | None = None) -> list[str]:
    """What is wrong with these secrets for production: unset, a development value, or shared by two uses."""
    problems, seen = [], {}
    for name in names:
        raw = setting(name, service, "") or ""
        values = [v.strip() for v in raw.split(",")] if name == "ORGANISER_TOKENS" else [raw.strip()]
        values = [v for v in values if v]
        where = f"{name} (or {service.upper()}_{name})" if service else name
        if not values:
            problems.append(f"{where} is not set")
        elif any(v in _development_values(name, service) for v in values):
            problems.append(f"{where} has its development value")
        elif name in DERIVED_SECRETS and raw in seen:
            problems.append(f"{where} is the same as {seen[raw]}; each use needs its own key")
        seen.setdefault(raw, name)
    return problems


def check_secrets(service: str, names: list[str] | tuple[str, ...]):
    """Called first thing by every process of ``service``: in production, refuse to start (MissingSecret,
    naming each variable) while one of the secrets it uses is missing or has its development value."""
    if not is_production():
        return
    problems = secret_problems(names, service)
    if problems:
        raise MissingSecret(f"{service} refuses to start with WIJKKRACHT_ENV=production: " + "; ".join(problems))


def exit_on_missing_secrets(service: str, names: list[str] | tuple[str, ...]):
    """check_secrets for a worker's main(): the message on stderr and exit status 1, no traceback."""
    try:
        check_secrets(service, names)
    except MissingSecret as exc:
        raise SystemExit(f"error: {exc}") from None
