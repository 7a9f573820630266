"""Process plumbing for the local runner: pid files, detached start, stop/kill of a whole process
group, and polling with deadlines (never a bare sleep standing in for readiness)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Callable, Mapping, Sequence

from . import paths

# Popen objects of processes started by this Python process, so they can be reaped: a child that
# exited but was not waited for stays a zombie, and a zombie would still look "running".
_children: dict[int, subprocess.Popen] = {}


class Timeout(Exception):
    """A wait ran past its deadline."""


class StepFailed(Exception):
    """A one-off command (download, build) failed; `log` holds its output."""

    def __init__(self, message: str, log: Path):
        super().__init__(message)
        self.log = log


# --- pid files --------------------------------------------------------------------------------

def _start_time(pid: int) -> str | None:
    """The kernel's start time of pid (field 22 of /proc/pid/stat), or None if it is gone/a zombie.

    Stored next to the pid so a recycled pid is never mistaken for our process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()  # the command name may contain spaces
    if fields[0] == "Z":
        _reap(pid)
        return None
    return fields[19]


def _reap(pid: int) -> None:
    child = _children.pop(pid, None)
    try:
        if child is not None:
            child.poll()
        else:
            os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def write_pid(name: str, pid: int) -> None:
    path = paths.pid_path(name)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(f"{pid} {_start_time(pid) or ''}\n")
    tmp.replace(path)


def running_pid(name: str) -> int | None:
    """The pid of the runner's process `name` if it is alive, else None."""
    try:
        pid_s, _, started = paths.pid_path(name).read_text().strip().partition(" ")
        pid = int(pid_s)
    except (OSError, ValueError):
        return None
    now = _start_time(pid)
    if now is None or (started and now != started):
        return None
    return pid


def clear_pid(name: str) -> None:
    paths.pid_path(name).unlink(missing_ok=True)


# --- start / stop -----------------------------------------------------------------------------

def spawn(name: str, argv: Sequence[str], env: Mapping[str, str], cwd: Path = paths.REPO) -> int:
    """Start argv detached in its own session (so its whole group can be signalled), output
    appended to .local/logs/<name>.log, and record its pid."""
    log = paths.log_path(name)
    with open(log, "a") as out:
        out.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} starting {name}: {' '.join(argv)}\n")
        out.flush()
        proc = subprocess.Popen(list(argv), cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    _children[proc.pid] = proc
    write_pid(name, proc.pid)
    return proc.pid


def _group_alive(pgid: int) -> bool:
    """Whether any live process is left in process group pgid (e.g. gunicorn's workers)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
        if int(fields[2]) == pgid:
            _reap(int(entry.name))
    return False


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass


def stop(name: str, timeout: float) -> int | None:
    """SIGTERM the process group of `name`, SIGKILL it if still there after `timeout` seconds.
    Returns the pid it stopped, or None if nothing was running."""
    pid = running_pid(name)
    if pid is None:
        clear_pid(name)
        return None
    _signal_group(pid, signal.SIGTERM)
    try:
        wait_until(lambda: not _group_alive(pid), timeout, what=f"{name} to stop")
    except Timeout:
        _signal_group(pid, signal.SIGKILL)
        wait_until(lambda: not _group_alive(pid), 10, what=f"{name} to die")
    _reap(pid)
    clear_pid(name)
    return pid


def kill(name: str, sig: int = signal.SIGKILL, timeout: float = 10) -> int | None:
    """Send sig to the whole group of `name` as a crash would (no cleanup), and wait until it is
    gone. The pid file stays, as after a real crash; `running_pid` then answers None."""
    pid = running_pid(name)
    if pid is None:
        return None
    _signal_group(pid, sig)
    wait_until(lambda: not _group_alive(pid), timeout, what=f"{name} to die")
    _reap(pid)
    return pid


# --- one runner at a time ----------------------------------------------------------------------

_lock_depth = 0
_lock_file = None


@contextlib.contextmanager
def runner_lock(timeout: float = 1200):
    """Hold .local/run/runner.lock: two runners starting Kafka at once (make demo and a test
    session, say) would race on the same ports, data and pid files. Re-entrant in-process."""
    global _lock_depth, _lock_file
    if _lock_depth == 0:
        paths.RUN.mkdir(parents=True, exist_ok=True)
        f = open(paths.RUN / "runner.lock", "a+")
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print("waiting for another local runner to finish ...", flush=True)
            try:
                wait_until(lambda: _try_lock(f), timeout, what="the runner lock", interval=0.5)
            except Timeout:
                f.close()
                raise
        _lock_file = f
    _lock_depth += 1
    try:
        yield
    finally:
        _lock_depth -= 1
        if _lock_depth == 0:
            fcntl.flock(_lock_file, fcntl.LOCK_UN)
            _lock_file.close()
            _lock_file = None


def _try_lock(f) -> bool:
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


# --- waiting ----------------------------------------------------------------------------------

def wait_until(probe: Callable[[], bool], timeout: float, what: str, interval: float = 0.25,
               alive: Callable[[], bool] | None = None) -> float:
    """Poll probe until it returns true; return the seconds it took. Raise Timeout after
    `timeout` seconds, or at once if `alive` says the process we wait for has exited."""
    start = time.monotonic()
    deadline = start + timeout
    while True:
        if probe():
            return time.monotonic() - start
        if alive is not None and not alive():
            raise Timeout(f"exited while waiting for {what}")
        if time.monotonic() >= deadline:
            raise Timeout(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def run_step(title: str, argv: Sequence[str], log: Path, timeout: float, cwd: Path = paths.REPO,
             env: Mapping[str, str] | None = None) -> None:
    """Run a one-off command (a download, a build) to completion, its output appended to log,
    printing a progress line every 15 s so a slow first run does not look hung."""
    print(f"  {title} ...", flush=True)
    with open(log, "a") as out:
        out.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} {title}: {' '.join(argv)}\n")
        out.flush()
        proc = subprocess.Popen(list(argv), cwd=cwd, env=dict(env or os.environ), stdin=subprocess.DEVNULL,
                                stdout=out, stderr=subprocess.STDOUT)
    start = time.monotonic()
    while True:
        try:
            rc = proc.wait(timeout=15)
            break
        except subprocess.TimeoutExpired:
            elapsed = time.monotonic() - start
            if elapsed > timeout:
                proc.kill()
                proc.wait()
                raise StepFailed(f"{title}: gave up after {timeout:.0f}s", log)
            print(f"  ... still {title} ({elapsed:.0f}s)", flush=True)
    if rc != 0:
        raise StepFailed(f"{title} failed (exit {rc})", log)
    print(f"  {title}: done in {time.monotonic() - start:.0f}s", flush=True)


# --- small probes -----------------------------------------------------------------------------

def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def tail(path: Path, lines: int = 30) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 64 * 1024))
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return f"(no log at {paths.rel(path)})"
    return "\n".join(text.splitlines()[-lines:])
