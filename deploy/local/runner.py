"""The local runner's API: start, stop and inspect the stack's components as plain processes.

Tests import it with the repository root on sys.path::

    from deploy.local import runner
    runner.up(infra_only=True)               # Kafka, document store, SMTP, SMS; writes env.json
    runner.read_env()["MONGODB_URI"]
    runner.kill_component("notifications-worker")   # SIGKILL its process group, as a crash
    runner.start_component("notifications-worker")  # start again and wait until started
    runner.is_running("notifications-worker")
    runner.stop_component("notifications-worker")   # SIGTERM, SIGKILL after a deadline
"""

from __future__ import annotations

import json
import os
import signal
import time
from typing import Iterable

from . import devservers, docstore, kafka_broker, paths, postgres, procs, services
from .component import Component


class ComponentError(Exception):
    """A component could not be started; the message names it and why."""

    def __init__(self, name: str, reason: str, log=None):
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason
        self.log = log or paths.log_path(name)  # the log that shows why


# --- the stack ----------------------------------------------------------------------------------

def endpoints() -> dict[str, str]:
    """What env.json holds: each infrastructure endpoint, taken from the environment where given."""
    smtp_host = os.environ.get("SMTP_HOST") or devservers.HOST
    smtp_port = os.environ.get("SMTP_PORT") or str(devservers.SMTP_PORT)
    result = {
        "KAFKA_BOOTSTRAP_SERVERS": os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or f"{kafka_broker.HOST}:{kafka_broker.PORT}",
        "MONGODB_URI": os.environ.get("MONGODB_URI") or docstore.URI,
        "DOCSTORE_KIND": docstore.kind(_given("MONGODB_URI", docstore.URI)),
        "SMTP_HOST": smtp_host,
        "SMTP_PORT": smtp_port,
        "MAIL_API_URL": os.environ.get("MAIL_API_URL") or f"http://{devservers.HOST}:{devservers.MAIL_API_PORT}",
        "SMS_GATEWAY_URL": os.environ.get("SMS_GATEWAY_URL") or f"http://{devservers.HOST}:{devservers.SMS_PORT}",
    }
    if result["DOCSTORE_KIND"] == "ferretdb":  # FerretDB's backend, for the store's tests and bench/store.py
        result["POSTGRES_URL"] = postgres.URL
    # The dev gateway's read/control API is the gateway itself; an external gateway may have none.
    result["SMS_API_URL"] = os.environ.get("SMS_API_URL") or result["SMS_GATEWAY_URL"]
    result.update(services.api_urls())
    result["ORGANISER_TOKENS"] = services.organiser_tokens()
    result["ORGANISER_TOKEN"] = result["ORGANISER_TOKENS"].split(",")[0].strip()
    return result


def _given(variable: str, ours: str) -> str | None:
    """An endpoint the environment gives, unless it is our own address (a test or a shell that copied
    env.json into its environment means ours: the runner still starts and stops it)."""
    value = os.environ.get(variable)
    return None if value in (None, "", ours) else value


def components() -> list[Component]:
    """Every component in start order (infra first); `down` stops them in reverse."""
    # Either SMTP variable means the caller has a mail server; endpoints() fills in the other.
    env = endpoints()
    smtp_external = None
    if os.environ.get("SMTP_HOST") or os.environ.get("SMTP_PORT"):
        smtp_external = (env["SMTP_HOST"], int(env["SMTP_PORT"]))
    store_uri = _given("MONGODB_URI", docstore.URI)
    return [
        kafka_broker.component(_given("KAFKA_BOOTSTRAP_SERVERS", f"{kafka_broker.HOST}:{kafka_broker.PORT}")),
        *([postgres.component()] if docstore.kind(store_uri) == "ferretdb" else []),
        docstore.component(store_uri),
        devservers.smtp_component(smtp_external),
        devservers.sms_component(os.environ.get("SMS_GATEWAY_URL")),
        *services.components(env),
    ]


def component(name: str) -> Component:
    for c in components():
        if c.name == name:
            return c
    raise KeyError(f"unknown component {name!r}; known: {', '.join(names())}")


def names(group: str | None = None) -> list[str]:
    return [c.name for c in components() if group is None or c.group == group]


# --- one component ------------------------------------------------------------------------------

def is_running(name: str) -> bool:
    return procs.running_pid(name) is not None


def pid_of(name: str) -> int | None:
    return procs.running_pid(name)


def start_component(name: str) -> int | None:
    """Start `name` unless it is running, and wait until it is ready (or raise ComponentError).
    Returns its pid, or None for an external component."""
    with procs.runner_lock():
        return _start(component(name))


def stop_component(name: str) -> int | None:
    """Stop `name` (SIGTERM, then SIGKILL after its deadline). Returns the pid it stopped."""
    with procs.runner_lock():
        return procs.stop(name, component(name).stop_timeout)


def kill_component(name: str, sig: int = signal.SIGKILL) -> int | None:
    """Kill `name`'s whole process group with sig (default SIGKILL) as a crash would, and wait
    until it is gone. Returns the pid it killed, or None if it was not running."""
    return procs.kill(name, sig)


def _start(c: Component) -> int | None:
    try:
        if c.external:
            print(f"{c.name}: using {c.address} from the environment", flush=True)
            procs.wait_until(c.ready, c.ready_timeout, what=f"{c.name} at {c.address}")
            c.after_ready()
            return None
        pid = procs.running_pid(c.name)
        if pid is not None:
            procs.wait_until(c.ready, c.ready_timeout, what=f"{c.name} to be ready")
            c.after_ready()
            print(f"{c.name}: already running (pid {pid}) at {c.address}", flush=True)
            return pid
        busy = [f"{h}:{p}" for h, p in c.ports if procs.port_open(h, p)]
        if busy:
            raise ComponentError(c.name, f"port {', '.join(busy)} is taken by a process the runner did not "
                                         "start (stop it, or point the environment variable at it)")
        c.prepare()
        started = time.monotonic()
        pid = procs.spawn(c.name, c.command(), c.env(), cwd=c.cwd)
        alive = lambda: procs.running_pid(c.name) == pid  # noqa: E731
        procs.wait_until(c.ready, c.ready_timeout, what=f"{c.name} to be ready", alive=alive)
        if c.min_uptime:
            procs.wait_until(lambda: time.monotonic() - started >= c.min_uptime, c.min_uptime + 5,
                             what=f"{c.name} to stay up", alive=alive)
        c.after_ready()
        print(f"{c.name}: started (pid {pid}) in {time.monotonic() - started:.1f}s at {c.address}", flush=True)
        return pid
    except ComponentError:
        raise
    except procs.StepFailed as e:
        raise ComponentError(c.name, str(e), log=e.log) from e
    except Exception as e:  # a failed download, build, probe or timeout: say which component
        raise ComponentError(c.name, str(e) or type(e).__name__) from e


# --- the whole stack ------------------------------------------------------------------------------

def up(only: Iterable[str] | None = None, infra_only: bool = False) -> dict[str, str]:
    """Start (in order) each wanted component that is not running; write and return env.json."""
    paths.ensure_dirs()
    with procs.runner_lock():
        return _up(set(only) if only else None, infra_only)


def _up(wanted: set[str] | None, infra_only: bool) -> dict[str, str]:
    for c in components():
        if wanted is not None and c.name not in wanted:
            continue
        if infra_only and c.group != "infra":
            continue
        if not c.available():
            print(f"{c.name}: skipped (not in the tree yet)", flush=True)
            continue
        _start(c)
        if c.group == "infra":
            write_env()  # services and tests may read it as soon as the infrastructure is up
    return write_env()


def down(only: Iterable[str] | None = None) -> None:
    """Stop, in reverse order, what the runner started (pid files); external components are left alone."""
    wanted = set(only) if only else None
    with procs.runner_lock():
        for c in reversed(components()):
            if wanted is not None and c.name not in wanted:
                continue
            pid = procs.stop(c.name, c.stop_timeout)
            if pid is not None:
                print(f"{c.name}: stopped (pid {pid})", flush=True)


def status() -> list[tuple[str, str, int | None, str]]:
    """(name, state, pid, address) per component; state is running, stopped, external or absent."""
    rows = []
    for c in components():
        pid = procs.running_pid(c.name)
        if c.external:
            state, pid = "external", None
        elif pid is not None:
            state = "running"
        elif not c.available():
            state = "absent"
        else:
            state = "stopped"
        rows.append((c.name, state, pid, c.address))
    return rows


def write_env() -> dict[str, str]:
    env = endpoints()
    paths.ENV_FILE.parent.mkdir(parents=True, exist_ok=True)
    tmp = paths.ENV_FILE.with_suffix(".tmp")
    tmp.write_text(json.dumps(env, indent=2) + "\n")
    tmp.replace(paths.ENV_FILE)
    return env


def read_env() -> dict[str, str]:
    """The endpoints the last `up` wrote (.local/run/env.json)."""
    return json.loads(paths.ENV_FILE.read_text())
