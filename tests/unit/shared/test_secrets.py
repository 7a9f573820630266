"""WIJKKRACHT_ENV=production: every process of every service refuses to start on a missing or development
secret, naming the variable; development derives one key per use from SECRET_KEY."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from wijkkracht import config

ROOT = Path(__file__).resolve().parents[3]
VENV_BIN = Path(sys.executable).parent
GOOD = {"SESSION_SECRET": "s" * 32, "LINK_SECRET": "l" * 32, "PERSON_ID_SECRET": "p" * 32,
        "ORGANISER_TOKENS": "o" * 32, "SMS_WEBHOOK_TOKEN": "w" * 32}
# What each service signs or checks with; one left out must stop it, one it does not use must not.
NEEDS = {"registration": ["SESSION_SECRET", "LINK_SECRET", "PERSON_ID_SECRET", "ORGANISER_TOKENS"],
         "matching": ["LINK_SECRET", "ORGANISER_TOKENS"],
         "notifications": ["LINK_SECRET", "SMS_WEBHOOK_TOKEN", "ORGANISER_TOKENS"]}
SECRET_NAMES = set(GOOD) | {"SECRET_KEY"}


def _env(service: str, **secrets) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in SECRET_NAMES and not any(k == f"{s.upper()}_{n}" for s in NEEDS for n in SECRET_NAMES)}
    # An unreachable store: a process that got past its check would hang on it, not start.
    env.update(WIJKKRACHT_ENV="production", PYTHONPATH=f"{ROOT / 'services' / service}{os.pathsep}{ROOT / 'shared'}",
               MONGODB_URI="mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=500",
               KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1", **secrets)
    return env


def _worker(service: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", f"{service}.worker"], env=env, capture_output=True, text=True,
                          timeout=60)


def _api(service: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([str(VENV_BIN / "gunicorn"), "--config", str(ROOT / "services" / service / "gunicorn.conf.py"),
                           f"{service}.web.app:create_app()", "--bind", "127.0.0.1:0", "--workers", "1"],
                          env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("service", sorted(NEEDS))
def test_each_worker_exits_at_start_naming_each_missing_secret(service):
    result = _worker(service, _env(service))
    assert result.returncode != 0
    for name in NEEDS[service]:
        assert name in result.stderr, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    for name in set(GOOD) - set(NEEDS[service]):
        assert name not in result.stderr, f"{service} does not use {name}: {result.stderr}"


@pytest.mark.parametrize("service", sorted(NEEDS))
def test_each_api_under_gunicorn_exits_naming_a_development_value(service):
    secrets = {name: GOOD[name] for name in NEEDS[service]}
    dev = "ORGANISER_TOKENS" if "ORGANISER_TOKENS" in secrets else "SMS_WEBHOOK_TOKEN"
    secrets[dev] = {"ORGANISER_TOKENS": "mine,dev-organiser-token", "SMS_WEBHOOK_TOKEN": "dev-sms-webhook-token"}[dev]
    result = _api(service, _env(service, **secrets))
    assert result.returncode != 0
    assert f"{dev} (or {service.upper()}_{dev}) has its development value" in result.stderr, result.stderr[-2000:]


@pytest.mark.parametrize("service", sorted(NEEDS))
def test_a_key_derived_from_the_development_secret_key_is_refused(service):
    name = "LINK_SECRET"
    secrets = {n: GOOD[n] for n in NEEDS[service]}
    with pytest.MonkeyPatch.context() as mp:
        for k, v in _env(service, **secrets).items():
            mp.setenv(k, v)
        mp.delenv("SECRET_KEY", raising=False)
        assert config.secret_problems(NEEDS[service], service) == []
        mp.setenv(name, config._derived(name, None))  # what development runs on
        assert config.secret_problems(NEEDS[service], service) == [
            f"{name} (or {service.upper()}_{name}) has its development value"]
        mp.setenv(name, "dev-secret-change-me")
        assert config.secret_problems(NEEDS[service], service)


def test_one_key_for_two_uses_is_refused(monkeypatch):
    monkeypatch.setenv("SESSION_SECRET", "same-" + "x" * 30)
    monkeypatch.setenv("LINK_SECRET", "same-" + "x" * 30)
    problems = config.secret_problems(["SESSION_SECRET", "LINK_SECRET"], "registration")
    assert problems == ["LINK_SECRET (or REGISTRATION_LINK_SECRET) is the same as SESSION_SECRET; each use needs "
                        "its own key"]


def test_a_service_prefixed_secret_counts(monkeypatch):
    for name in NEEDS["matching"]:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv(f"MATCHING_{name}", GOOD[name])
    monkeypatch.setenv("WIJKKRACHT_ENV", "production")
    config.check_secrets("matching", NEEDS["matching"])  # does not raise


def test_development_derives_a_separate_key_per_use_from_secret_key(monkeypatch):
    monkeypatch.delenv("WIJKKRACHT_ENV", raising=False)
    for name in SECRET_NAMES:
        monkeypatch.delenv(name, raising=False)
    keys = {name: config.secret(name, "registration") for name in config.DERIVED_SECRETS}
    assert len(set(keys.values())) == 3 and "dev-secret-change-me" not in keys.values()
    monkeypatch.setenv("SECRET_KEY", "another")
    assert all(config.secret(name, "registration") != keys[name] for name in keys)
    monkeypatch.setenv("LINK_SECRET", "configured")
    assert config.secret("LINK_SECRET", "registration") == "configured"


def test_production_never_falls_back_to_the_development_organiser_token(monkeypatch):
    monkeypatch.delenv("ORGANISER_TOKENS", raising=False)
    monkeypatch.setenv("WIJKKRACHT_ENV", "production")
    assert config.organiser_tokens("matching") == []
    with pytest.raises(config.MissingSecret, match="LINK_SECRET"):
        config.secret("LINK_SECRET", "matching")
