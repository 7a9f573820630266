"""PostgreSQL for the local runner: FerretDB's backend, a cluster of our own under .local/data/postgres on
127.0.0.1:25432, run from Debian's server binaries (package `postgresql`) as a plain process.

PostgreSQL refuses to run as root, so under root the cluster belongs to a dedicated system user,
`wijkkracht`, made on first use. Its settings are on the command line (nothing to edit by hand):
- no personal data in its log: errors tersely (a unique-index violation's DETAIL quotes the value, an email
  address for a repeated sign-up) and never the failing statement;
- `fsync=off`: every commit is still written to the operating system before it is acknowledged, so it
  survives the crash of any process (kill -9 included, which is what our guarantees are about); only a
  power cut could lose the last commits, which a development machine may. MongoDB keeps its own journal.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
from pathlib import Path

from . import paths, procs
from .component import Component

HOST = "127.0.0.1"
PORT = 25432
DATABASE = "ferretdb"
SUPERUSER = "postgres"
# FerretDB v1 can deadlock when its connection pool runs dry: a collection or index being created holds its
# metadata lock while waiting for a connection, and the queries holding every connection wait for that lock
# (seen with pgx's default of 50 under the test suite). An operation holds at most two connections, so a
# pool far above twice the clients' concurrent operations keeps it from running dry.
POOL_MAX_CONNECTIONS = 400
URL = f"postgres://{SUPERUSER}@{HOST}:{PORT}/{DATABASE}"
FERRETDB_URL = f"{URL}?pool_max_conns={POOL_MAX_CONNECTIONS}"
DATA = paths.DATA / "postgres"
SYSTEM_USER = "wijkkracht"  # owns the cluster when the runner runs as root

SETTINGS = {
    "listen_addresses": HOST,
    "port": str(PORT),
    "unix_socket_directories": "",          # TCP on loopback only
    "max_connections": str(POOL_MAX_CONNECTIONS + 50),  # FerretDB's pool, and room for psql and tests
    "shared_buffers": "256MB",
    "fsync": "off",
    "full_page_writes": "off",
    "jit": "off",                           # compiling short queries costs more than it saves
    # FerretDB sends every filter as one parameter ($1 a jsonb document). After five runs of a prepared
    # statement PostgreSQL may switch to a generic plan that cannot know the parameter, and that plan reads
    # the whole table; planned for each value, the same statement uses the collection's index.
    "plan_cache_mode": "force_custom_plan",
    "autovacuum_naptime": "10s",            # fresh statistics for new collections soon
    "log_error_verbosity": "terse",
    "log_min_error_statement": "panic",
    "log_min_messages": "warning",
    "log_checkpoints": "off",
}

INSTALL_HINT = ("PostgreSQL's server binaries are needed for the local document store (FerretDB's backend): "
                "install Debian's package with `sudo apt-get install postgresql` (or set MONGODB_URI to a "
                "MongoDB of your own)")


def bindir() -> Path:
    """The newest /usr/lib/postgresql/<version>/bin (Debian's layout), else wherever `postgres` is on PATH."""
    if os.environ.get("POSTGRES_BINDIR"):
        return Path(os.environ["POSTGRES_BINDIR"])
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("postgres")
    if on_path:
        return Path(on_path).parent
    raise RuntimeError(INSTALL_HINT)


def available() -> bool:
    try:
        bindir()
        return True
    except RuntimeError:
        return False


def component() -> Component:
    return Component(
        name="postgres", group="infra", address=f"{HOST}:{PORT} (FerretDB's backend)",
        command=_command, ready=_ready, ports=[(HOST, PORT)], prepare=_prepare, after_ready=_create_database,
        env=lambda: dict(os.environ, LC_ALL="C.UTF-8"), ready_timeout=60, stop_timeout=30,
    )


def _as_owner(argv: list[str]) -> list[str]:
    """Run argv as the cluster's owner: ourselves, or the dedicated user when we are root."""
    if os.geteuid() != 0:
        return argv
    return ["setpriv", f"--reuid={SYSTEM_USER}", f"--regid={SYSTEM_USER}", "--init-groups", "--", *argv]


def _ensure_system_user() -> None:
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        procs.run_step(f"creating the system user {SYSTEM_USER!r} to own PostgreSQL (it refuses root)",
                       ["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
                        "--shell", "/usr/sbin/nologin", SYSTEM_USER],
                       log=paths.log_path("postgres-setup"), timeout=60)


def _prepare() -> None:
    bindir()  # says what to install if it is missing
    if os.geteuid() == 0:
        _ensure_system_user()
    DATA.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        owner = pwd.getpwnam(SYSTEM_USER)
        if DATA.stat().st_uid != owner.pw_uid:  # initdb makes everything inside as the owner
            os.chown(DATA, owner.pw_uid, owner.pw_gid)
        check = subprocess.run(_as_owner(["test", "-w", str(DATA)]))
        if check.returncode != 0:
            raise RuntimeError(f"the user {SYSTEM_USER!r} cannot reach {DATA}: every directory above it must be "
                               "searchable by others (chmod o+x), or run the runner as an ordinary user")
    DATA.chmod(0o700)
    if not (DATA / "PG_VERSION").exists():
        procs.run_step("creating the PostgreSQL cluster (first run only)",
                       _as_owner([str(bindir() / "initdb"), "-D", str(DATA), "-U", SUPERUSER, "--auth=trust",
                                  "--encoding=UTF8", "--locale=C", "--no-instructions"]),
                       log=paths.log_path("postgres-setup"), timeout=120, env=dict(os.environ, LC_ALL="C.UTF-8"))


def _command() -> list[str]:
    settings = [arg for name, value in SETTINGS.items() for arg in ("-c", f"{name}={value}")]
    return _as_owner([str(bindir() / "postgres"), "-D", str(DATA), *settings])


def _psql(sql: str, database: str = "postgres") -> subprocess.CompletedProcess:
    return subprocess.run([str(bindir() / "psql"), "-h", HOST, "-p", str(PORT), "-U", SUPERUSER, "-d", database,
                           "-XtAq", "-v", "ON_ERROR_STOP=1", "-c", sql],
                          capture_output=True, text=True, timeout=10)


def _ready() -> bool:
    try:
        return _psql("SELECT 1").returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _create_database() -> None:
    """FerretDB needs its database to exist (UTF8, C locale: the cluster's defaults, from initdb)."""
    if _psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'").stdout.strip() == "1":
        return
    done = _psql(f'CREATE DATABASE "{DATABASE}"')
    if done.returncode != 0 and "already exists" not in done.stderr:
        raise RuntimeError(f"creating database {DATABASE}: {done.stderr.strip()}")


def ferretdb_table(conn, database: str, collection: str) -> str:
    """The schema-qualified PostgreSQL table FerretDB keeps a collection in (for tests and bench/store.py,
    which compare with PostgreSQL's own lookups and read its statistics); ``conn`` is a psycopg connection."""
    row = conn.execute(f'SELECT _jsonb->>\'table\' FROM "{database}"._ferretdb_database_metadata '
                       "WHERE _jsonb->>'_id' = %s", (collection,)).fetchone()
    if row is None:
        raise LookupError(f"FerretDB has no table for {database}.{collection}")
    return f'"{database}"."{row[0]}"'
