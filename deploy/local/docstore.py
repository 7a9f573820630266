"""The document store for the local runner: a `mongod` from PATH if there is one, else FerretDB v1.24.2 on
PostgreSQL (deploy/local/postgres.py), built from deploy/local/ferretdb with the mends of ferretdb_patch;
either on 127.0.0.1:27117."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess

from . import ferretdb_patch, paths, postgres, procs
from .component import Component

HOST = "127.0.0.1"
PORT = 27117
URI = f"mongodb://{HOST}:{PORT}/"

SOURCE = paths.REPO / "deploy" / "local" / "ferretdb"
BINARY = paths.BIN / "ferretdb"
STAMP = paths.BIN / "ferretdb.stamp"
MONGO_DATA = paths.DATA / "mongo"


def kind(uri_from_env: str | None) -> str:
    """Which store `up` uses: external, mongod or ferretdb."""
    if uri_from_env:
        return "external"
    return "mongod" if shutil.which("mongod") else "ferretdb"


def component(uri_from_env: str | None) -> Component:
    uri = uri_from_env or URI
    which = kind(uri_from_env)
    return Component(
        name="docstore", group="infra",
        address=f"{uri} ({'FerretDB on PostgreSQL' if which == 'ferretdb' else which})",
        command=_mongod_command if which == "mongod" else _ferretdb_command,
        ready=lambda: _ping(uri), ports=[(HOST, PORT)],
        prepare=_prepare_mongod if which == "mongod" else _build_ferretdb,
        env=lambda: dict(os.environ), external=uri_from_env, ready_timeout=60,
    )


# --- mongod -----------------------------------------------------------------------------------

def _prepare_mongod() -> None:
    MONGO_DATA.mkdir(parents=True, exist_ok=True)


def _mongod_command() -> list[str]:
    return ["mongod", "--dbpath", str(MONGO_DATA), "--port", str(PORT), "--bind_ip", HOST]


# --- FerretDB ---------------------------------------------------------------------------------

def _stamp() -> str:
    """Changes with our source or the Go version, so a second `up` skips the build."""
    h = hashlib.sha256()
    for f in ("go.mod", "go.sum", "main.go"):
        h.update((SOURCE / f).read_bytes())
    for f in ferretdb_patch.inputs():
        h.update(f.read_bytes())
    h.update(subprocess.run(["go", "version"], capture_output=True, text=True).stdout.encode())
    return h.hexdigest()


def _build_ferretdb() -> None:
    if not shutil.which("go"):
        if BINARY.exists():
            return  # built earlier; without Go we cannot tell whether it is current
        raise RuntimeError("neither mongod nor go is on PATH; one is needed for the document store")
    if BINARY.exists() and STAMP.exists() and STAMP.read_text() == _stamp():
        return
    # GOTOOLCHAIN=local: build with the Go we have instead of fetching the one go.mod names.
    env = dict(os.environ, GOTOOLCHAIN="local")
    # Built against a patched copy of FerretDB: atomic updates, lookups that use indexes (see ferretdb_patch).
    modfile = ferretdb_patch.prepare(SOURCE, env)
    procs.run_step("building FerretDB with Go (first run only: 1 to 5 minutes)",
                   ["go", "build", "-modfile", modfile, "-o", str(BINARY), "."],
                   log=paths.log_path("ferretdb-build"), timeout=900, cwd=SOURCE, env=env)
    STAMP.write_text(_stamp())


def _ferretdb_command() -> list[str]:
    return [str(BINARY), "-listen-addr", f"{HOST}:{PORT}", "-handler", "postgresql",
            "-postgresql-url", postgres.FERRETDB_URL]


# --- readiness --------------------------------------------------------------------------------

def _ping(uri: str) -> bool:
    from pymongo import MongoClient

    client = MongoClient(uri, serverSelectionTimeoutMS=1000, connectTimeoutMS=1000)
    try:
        client.admin.command("ping")
        return True
    except Exception:
        return False
    finally:
        client.close()
