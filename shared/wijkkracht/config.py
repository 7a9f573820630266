"""Configuration from environment variables, with working local defaults.

A service-prefixed variable overrides the plain one: ``MATCHING_MONGODB_URI`` beats ``MONGODB_URI``
for the matching service.
"""
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
    raw = setting("ORGANISER_TOKENS", service) or ""
    return [t.strip() for t in raw.split(",") if t.strip()]
