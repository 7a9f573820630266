"""What the tests that need the stack share: endpoints, HTTP helpers, the dev mail and SMS inboxes, polling.

The stack is started by `make test` (deploy/local/run.py up), which writes its endpoints to
.local/run/env.json; variables in the environment win, so the suite can run against any stack.
"""
import json
import os
import pathlib
import time
import uuid

import requests

ROOT = pathlib.Path(__file__).resolve().parent.parent
ENV_FILE = ROOT / ".local" / "run" / "env.json"

DEFAULTS = {
    "REGISTRATION_URL": "http://127.0.0.1:8001",
    "MATCHING_URL": "http://127.0.0.1:8002",
    "NOTIFICATIONS_URL": "http://127.0.0.1:8003",
    "MAIL_API_URL": "http://127.0.0.1:8025",
    "SMS_GATEWAY_URL": "http://127.0.0.1:8026",
    "ORGANISER_TOKEN": "dev-organiser-token",
}


def stack_env() -> dict:
    env = dict(DEFAULTS)
    if ENV_FILE.exists():
        env.update(json.loads(ENV_FILE.read_text()))
    env.update({k: v for k, v in os.environ.items() if k in env or k in DEFAULTS})
    return env


def wait_until(predicate, timeout_s: float = 30.0, interval_s: float = 0.1, message: str = "condition"):
    """Poll until ``predicate()`` returns something truthy, and return it; fail with ``message`` at the deadline."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s}s waiting for {message}")
        time.sleep(interval_s)


def unique(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def unique_email(prefix: str = "bewoner") -> str:
    return f"{prefix}.{uuid.uuid4().hex[:12]}@example.org"


class Stack:
    """HTTP access to the running services and the development mail and SMS servers."""

    def __init__(self, env: dict):
        self.env = env
        self.http = requests.Session()
        self.organiser = {"Authorization": f"Bearer {env['ORGANISER_TOKEN']}"}

    def url(self, service: str, path: str) -> str:
        return self.env[f"{service.upper()}_URL"].rstrip("/") + path

    def get(self, service: str, path: str, **kw):
        return self.http.get(self.url(service, path), timeout=10, **kw)

    def post(self, service: str, path: str, json_body=None, organiser: bool = False, **kw):
        headers = dict(kw.pop("headers", {}))
        if organiser:
            headers.update(self.organiser)
        return self.http.post(self.url(service, path), json=json_body, headers=headers, timeout=10, **kw)

    # The development mail server and SMS gateway.
    def mail(self, to: str | None = None) -> list[dict]:
        params = {"to": to} if to else {}
        r = self.http.get(self.env["MAIL_API_URL"].rstrip("/") + "/api/messages", params=params, timeout=10)
        r.raise_for_status()
        messages = r.json()["messages"]
        return [m for m in messages if to is None or to in m["to"]]

    def sms(self, to: str | None = None) -> list[dict]:
        r = self.http.get(self.env["SMS_GATEWAY_URL"].rstrip("/") + "/api/messages", timeout=10)
        r.raise_for_status()
        return [m for m in r.json()["messages"] if to is None or m["to"] == to]

    def sms_fail_next(self, count: int, status: int = 503):
        r = self.http.post(self.env["SMS_GATEWAY_URL"].rstrip("/") + "/api/fail",
                           json={"count": count, "status": status}, timeout=10)
        r.raise_for_status()

    # Common steps of an evening.
    def create_meeting(self, **overrides) -> dict:
        body = {
            "title": "Wijkkracht Noord",
            "starts_at": "2027-01-14T19:00:00+01:00",
            "venue": "wijkgebouw de Banier",
            "area": "Noord",
            "partners": ["Stichting Noordplus"],
            "initiative_ids": [],
        }
        body.update(overrides)
        r = self.post("registration", "/api/v1/meetings", body, organiser=True)
        assert r.status_code == 201, r.text
        return r.json()

    def sign_up(self, meeting_id: str, **overrides) -> dict:
        body = {
            "name": "Fatima El Amrani",
            "email": unique_email(),
            "languages": ["nl", "ar"],
            "interests": ["koken"],
            "preferred_channel": "email",
            "consent": {"contact": True, "share_with_initiatives": True},
        }
        body.update(overrides)
        r = self.post("registration", f"/api/v1/meetings/{meeting_id}/registrations", body)
        assert r.status_code in (200, 201), r.text  # 200: the same person signed up before
        return {**r.json(), "request": body}
