"""Where the local runner keeps things: everything generated lives under ``<repo>/.local``."""

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LOCAL = REPO / ".local"
RUN = LOCAL / "run"
LOGS = LOCAL / "logs"
DATA = LOCAL / "data"
BIN = LOCAL / "bin"
ENV_FILE = RUN / "env.json"
VENV_BIN = LOCAL / "venv" / "bin"


def venv_python() -> str:
    """The project venv's python if it exists (it has aiosmtpd, kafka-python...), else this one."""
    candidate = VENV_BIN / "python"
    return str(candidate) if candidate.exists() else sys.executable


def venv_tool(name: str) -> str:
    """A console script from the project venv, e.g. gunicorn."""
    return str(VENV_BIN / name)


def ensure_dirs() -> None:
    for d in (RUN, LOGS, DATA, BIN):
        d.mkdir(parents=True, exist_ok=True)


def log_path(name: str) -> Path:
    return LOGS / f"{name}.log"


def pid_path(name: str) -> Path:
    return RUN / f"{name}.pid"


def rel(path: os.PathLike) -> str:
    """A path relative to the repo, for messages."""
    try:
        return str(Path(path).relative_to(REPO))
    except ValueError:
        return str(path)
