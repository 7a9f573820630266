"""The table of the project's own services (api + worker each) and how the runner starts them.
A service is started only once its module exists in the tree."""

from __future__ import annotations

import os
import urllib.request
from dataclasses import dataclass
from typing import Mapping

from . import paths
from .component import Component

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Service:
    name: str          # the directory under services/ and the Python package
    api_port: int

    @property
    def root(self):
        return paths.REPO / "services" / self.name

    @property
    def api_url(self) -> str:
        return f"http://{HOST}:{self.api_port}"


SERVICES = [
    Service("registration", 8001),
    Service("matching", 8002),
    Service("notifications", 8003),
]

DEFAULTS = {
    "ORGANISER_TOKENS": "dev-organiser-token",
    "PUBLIC_BASE_URL": "http://127.0.0.1:8001",
    # The tests and benchmarks post thousands of sign-ups from 127.0.0.1; a test sets a low limit on its own app.
    "REGISTRATION_API_RATE_PER_MINUTE": "1000000",
    "REGISTRATION_LOGIN_MAX_FAILURES_PER_ADDRESS": "200",
    # The local stack texts at any hour, so the demo and the tests see every SMS whenever they run; quiet
    # hours (21:00-08:00 Amsterdam) stay on everywhere else and are unit-tested with an injected clock.
    "NOTIFICATIONS_QUIET_FROM_H": "0",
    "NOTIFICATIONS_QUIET_UNTIL_H": "0",
}


def api_urls() -> dict[str, str]:
    """REGISTRATION_URL etc. (the names tests/support.py reads), for env.json."""
    return {f"{s.name.upper()}_URL": s.api_url for s in SERVICES}


def organiser_tokens() -> str:
    return os.environ.get("ORGANISER_TOKENS") or DEFAULTS["ORGANISER_TOKENS"]


def _env(service: Service, endpoints: Mapping[str, str]) -> dict[str, str]:
    """The caller's environment (so PUBLIC_BASE_URL, LOG_LEVEL... pass through), local defaults,
    the infrastructure endpoints, and the service's own and the shared package on PYTHONPATH."""
    env = {**DEFAULTS, **os.environ, **endpoints, "PYTHONUNBUFFERED": "1"}
    pythonpath = [str(service.root), str(paths.REPO / "shared")]
    if os.environ.get("PYTHONPATH"):
        pythonpath.append(os.environ["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(pythonpath)
    env.setdefault("SERVICE_NAME", service.name)
    return env


def _api_command(service: Service) -> list[str]:
    argv = [paths.venv_tool("gunicorn")]
    conf = service.root / "gunicorn.conf.py"
    if conf.exists():
        argv += ["--config", str(conf)]
    return argv + [f"{service.name}.web.app:create_app()", "--bind", f"{HOST}:{service.api_port}"]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


def components(endpoints: Mapping[str, str]) -> list[Component]:
    result = []
    for s in SERVICES:
        package = s.root / s.name
        result.append(Component(
            name=f"{s.name}-api", group="service", address=s.api_url,
            command=lambda s=s: _api_command(s),
            ready=lambda s=s: _healthy(f"{s.api_url}/healthz"),
            ports=[(HOST, s.api_port)],
            env=lambda s=s: _env(s, endpoints),
            available=lambda p=package: (p / "web" / "app.py").exists() or (p / "web" / "app" / "__init__.py").exists(),
            ready_timeout=60, stop_timeout=30,
        ))
        result.append(Component(
            name=f"{s.name}-worker", group="service", address="(consumer)",
            command=lambda s=s: [paths.venv_python(), "-m", f"{s.name}.worker"],
            # A worker has no port to probe: it counts as started once it has stayed up past its
            # imports and first connections, so a crash at start is reported by `up`.
            ready=lambda: True, min_uptime=2,
            env=lambda s=s: _env(s, endpoints),
            available=lambda p=package: (p / "worker.py").exists() or (p / "worker" / "__init__.py").exists(),
            ready_timeout=30, stop_timeout=30,
        ))
    return result
