"""Command line of the local runner: `python deploy/local/run.py up|down|status|logs [component]`.

    up [--infra-only | infra | NAME...]   start what is not running, in order; write .local/run/env.json
    down [NAME...]                        stop what the runner started
    status                                one line per component
    logs [NAME] [-n LINES] [-f]           tail the logs under .local/logs
"""

import argparse
import os
import sys
from pathlib import Path

# Python puts this script's directory first on sys.path; a module there must never shadow a
# library (a deploy/local/kafka.py once hid kafka-python). Import through the package instead.
_here = str(Path(__file__).resolve().parent)
sys.path[:] = [p for p in sys.path if p and Path(p).resolve() != Path(_here)]
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repo root, for `deploy.local`

from deploy.local import paths, procs, runner  # noqa: E402


def cmd_up(args) -> int:
    infra_only = args.infra_only or "infra" in args.names
    only = [n for n in args.names if n != "infra"] or None
    try:
        runner.up(only=only, infra_only=infra_only)
    except runner.ComponentError as e:
        print(f"\nFAILED: {e}", file=sys.stderr)
        print(f"--- last 30 lines of {paths.rel(e.log)} ---", file=sys.stderr)
        print(procs.tail(e.log), file=sys.stderr)
        print("(what did start is still running; `down` stops it)", file=sys.stderr)
        return 1
    print(f"endpoints written to {paths.rel(paths.ENV_FILE)}")
    return 0


def cmd_down(args) -> int:
    runner.down(only=args.names or None)
    return 0


def cmd_status(args) -> int:
    for name, state, pid, address in runner.status():
        print(f"{name:22} {state:8} {('pid ' + str(pid)) if pid else '-':10} {address}")
    return 0


def cmd_logs(args) -> int:
    if args.name:
        files = [paths.log_path(args.name)]
    else:
        files = sorted(paths.LOGS.glob("*.log"))
    files = [str(f) for f in files if f.exists()]
    if not files:
        print("no logs yet", file=sys.stderr)
        return 1
    os.execvp("tail", ["tail", "-n", str(args.lines), *(["-F"] if args.follow else []), *files])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="run.py", description="Run the Wijkkracht stack as local processes.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("up", help="start what is not running")
    p.add_argument("--infra-only", action="store_true", help="only Kafka, the document store, SMTP and SMS")
    p.add_argument("names", nargs="*", help="'infra' or component names (default: everything)")
    p.set_defaults(func=cmd_up)
    p = sub.add_parser("down", help="stop what the runner started")
    p.add_argument("names", nargs="*")
    p.set_defaults(func=cmd_down)
    sub.add_parser("status", help="one line per component").set_defaults(func=cmd_status)
    p = sub.add_parser("logs", help="tail logs")
    p.add_argument("name", nargs="?")
    p.add_argument("-n", "--lines", type=int, default=50)
    p.add_argument("-f", "--follow", action="store_true")
    p.set_defaults(func=cmd_logs)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
