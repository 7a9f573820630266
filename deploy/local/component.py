"""What the runner knows about one component: how to prepare, start and probe it, and where it is."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import paths


@dataclass
class Component:
    name: str
    group: str                                  # "infra" or "service"
    address: str                                # shown by `status`
    command: Callable[[], list[str]]            # argv; called after prepare()
    ready: Callable[[], bool]                   # one cheap probe, polled until true
    ports: list[tuple[str, int]] = field(default_factory=list)  # must be free before we start
    prepare: Callable[[], None] = lambda: None  # download/build/format; idempotent, stamped
    after_ready: Callable[[], None] = lambda: None  # e.g. create topics
    env: Callable[[], dict[str, str]] = dict    # the process environment
    available: Callable[[], bool] = lambda: True  # false: nothing to start (e.g. module not written yet)
    external: str | None = None                 # set: given by the environment, we don't start it
    cwd: Path = paths.REPO
    ready_timeout: float = 60
    min_uptime: float = 0                       # must stay up this long to count as started
    stop_timeout: float = 20
