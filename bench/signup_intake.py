"""Sign-up intake: throughput of POST /api/v1/meetings/<id>/registrations against two bare Flask endpoints
under the same gunicorn settings, measured in the same run: one that parses the same JSON and answers, and one
that also does one ``insert_one`` into the same store (the target: sign-ups >= 0.7x that one). Then the same
person signing up again (target: no slower than a new sign-up). Prints rates, latencies and the ratios, and
where a sign-up's time goes (in-process, one at a time: the store's commands against the rest).

Starts its own gunicorns on free ports (the registration app against the stack's store and Kafka from
.local/run/env.json or the environment; the bare apps on a database of their own, dropped afterwards), drives
each for a fixed time with the same number of client processes over keep-alive connections, and stops them.
Traffic goes to 127.0.0.1 only. Ends with one ``RESULT name=signup_intake ...`` line.

    .local/venv/bin/python bench/signup_intake.py [--seconds 10] [--clients 8] [--workers 2] [--threads 4] [--smoke]
"""
import argparse
import http.client
import json
import multiprocessing
import os
import pathlib
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid

ROOT = pathlib.Path(__file__).resolve().parent.parent
VENV_BIN = pathlib.Path(sys.executable).parent
SIGNUP_BODY = {"name": "Fatima El Amrani", "phone": "06-12345678", "languages": ["nl", "ar"], "interests": ["koken"],
               "preferred_channel": "email", "consent": {"contact": True, "share_with_initiatives": True}}


def bare_app():
    """The baseline: Flask parsing the same JSON body and answering 201 with a small JSON body."""
    from flask import Flask, jsonify, request

    app = Flask("bare")

    @app.post("/bare/<meeting_id>/registrations")
    def register(meeting_id):
        body = request.get_json()
        return jsonify({"registration_id": uuid.uuid4().hex, "person_id": uuid.uuid4().hex,
                        "status": "confirmed", "name": body.get("name"), "companions": []}), 201

    return app


BARE_DB = "bench_signup_intake"


def bare_insert_app():
    """The store-bound baseline: the same JSON parsed, one insert_one into the same store, 201."""
    from flask import Flask, jsonify, request
    from pymongo import MongoClient

    app = Flask("bare_insert")
    clients = {}  # one MongoClient per worker process, made after gunicorn forks

    def collection():
        if os.getpid() not in clients:
            clients[os.getpid()] = MongoClient(os.environ.get("MONGODB_URI", "mongodb://127.0.0.1:27017/"))
        return clients[os.getpid()][BARE_DB]["registrations"]

    @app.post("/bare/<meeting_id>/registrations")
    def register(meeting_id):
        body = request.get_json()
        doc = {"_id": uuid.uuid4().hex, "meeting_id": meeting_id, "person_id": uuid.uuid4().hex, **body}
        collection().insert_one(doc)
        return jsonify({"registration_id": doc["_id"], "person_id": doc["person_id"], "status": "confirmed",
                        "name": body.get("name"), "companions": []}), 201

    @app.get("/healthz")
    def healthz():
        return {"ok": True}

    return app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stack_env() -> dict:
    env = dict(os.environ)
    env_file = ROOT / ".local" / "run" / "env.json"
    if env_file.exists():
        for key, value in json.loads(env_file.read_text()).items():
            env.setdefault(key, value)
    return env


def start_gunicorn(app_spec: str, port: int, args, env: dict) -> subprocess.Popen:
    argv = [str(VENV_BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
            "--threads", str(args.threads), "--worker-class", "gthread", "--log-level", "warning", app_spec]
    return subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)


def wait_healthy(url: str, proc: subprocess.Popen, timeout_s: float = 60):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server at {url} not healthy after {timeout_s}s")


def stop(proc: subprocess.Popen):
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)


def client(port: int, path: str, seconds: float, start_at: float, unique: bool, out):
    """One client process: POST as fast as answers come, over one keep-alive connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies, errors = [], 0
    while time.time() < start_at:
        time.sleep(0.005)
    end = start_at + seconds
    prefix = uuid.uuid4().hex[:8]
    n = 0
    while time.time() < end:
        n += 1
        body = dict(SIGNUP_BODY, email=f"bench.{prefix}.{n}@example.org" if unique else "bench@example.org")
        if unique:
            body["phone"] = None
        payload = json.dumps(body)
        t0 = time.perf_counter()
        try:
            conn.request("POST", path, payload, {"Content-Type": "application/json"})
            resp = conn.getresponse()
            resp.read()
            ok = resp.status in (200, 201)
        except (OSError, http.client.HTTPException):
            ok = False
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        if ok:
            latencies.append(time.perf_counter() - t0)
        else:
            errors += 1
    out.put((latencies, errors))


def drive(port: int, path: str, args, unique: bool) -> dict:
    out = multiprocessing.Queue()
    start_at = time.time() + 0.5
    procs = [multiprocessing.Process(target=client, args=(port, path, args.seconds, start_at, unique, out))
             for _ in range(args.clients)]
    for p in procs:
        p.start()
    latencies, errors = [], 0
    for _ in procs:
        lat, err = out.get(timeout=args.seconds + 120)
        latencies += lat
        errors += err
    for p in procs:
        p.join(timeout=10)
    latencies.sort()
    q = statistics.quantiles(latencies, n=100) if len(latencies) >= 2 else [0] * 99
    return {"requests": len(latencies), "errors": errors, "per_s": len(latencies) / args.seconds,
            "p50_ms": q[49] * 1000, "p95_ms": q[94] * 1000}


def where_the_time_goes(env: dict, meeting_id: str, n: int) -> dict:
    """In this process, one request at a time through the registration app (Flask's test client): a sign-up's
    wall time against what its store commands took (pymongo's command monitoring), new and repeated."""
    import collections
    from pymongo import monitoring

    class Commands(monitoring.CommandListener):
        def __init__(self):
            self.count, self.seconds, self.log = 0, 0.0, []

        def started(self, event):
            pass

        def succeeded(self, event):
            self.count += 1
            self.seconds += event.duration_micros / 1e6
            self.log.append((event.command_name, event.duration_micros / 1000))

        failed = succeeded

    commands = Commands()
    monitoring.register(commands)
    os.environ.update({k: v for k, v in env.items() if isinstance(v, str) and k != "PYTHONPATH"})
    from registration.web.app import create_app
    client = create_app().test_client()
    figures = {}
    for label, unique in (("new", True), ("repeat", False)):
        walls, store_s, counts = [], [], []
        del commands.log[:]
        for i in range(n):
            body = dict(SIGNUP_BODY, email=f"profile.{uuid.uuid4().hex[:12]}@example.org" if unique else
                        "profile.repeat@example.org")
            if unique:
                body["phone"] = None
            before_n, before_s = commands.count, commands.seconds
            t0 = time.perf_counter()
            r = client.post(f"/api/v1/meetings/{meeting_id}/registrations", json=body)
            walls.append(time.perf_counter() - t0)
            assert r.status_code in (200, 201), r.get_data(as_text=True)[:300]
            store_s.append(commands.seconds - before_s)
            counts.append(commands.count - before_n)
        if not unique:  # the first of the repeats was new
            walls, store_s, counts = walls[1:], store_s[1:], counts[1:]
        wall, in_store = statistics.median(walls) * 1000, statistics.median(store_s) * 1000
        figures[label] = (wall, in_store, statistics.median(counts))
        per_name = collections.defaultdict(list)
        for name, ms in commands.log:
            per_name[name].append(ms)
        print(f"  a {label} sign-up in-process: median {wall:.1f} ms, of which {in_store:.1f} ms in "
              f"{statistics.median(counts):.0f} store commands, {wall - in_store:.1f} ms in the app; per command: "
              + ", ".join(f"{name} {len(v) / n:.1f}x median {statistics.median(v):.1f} ms"
                          for name, v in sorted(per_name.items(), key=lambda kv: -sum(kv[1]))))
    return {f"{k}_store_ms": f"{v[1]:.1f}" for k, v in figures.items()} | {
        f"{k}_app_ms": f"{v[0] - v[1]:.1f}" for k, v in figures.items()} | {
        f"{k}_commands": f"{v[2]:.0f}" for k, v in figures.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float)
    parser.add_argument("--clients", type=int)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--smoke", action="store_true", help="a second per phase, the same code path")
    args = parser.parse_args()
    args.seconds = args.seconds or (1.0 if args.smoke else 10.0)
    args.clients = args.clients or (2 if args.smoke else 8)

    env = stack_env()
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "bench"), env.get("PYTHONPATH", "")])
    ports = {name: free_port() for name in ("bare", "insert", "registration")}
    servers = {"bare": start_gunicorn("signup_intake:bare_app()", ports["bare"], args, env),
               "insert": start_gunicorn("signup_intake:bare_insert_app()", ports["insert"], args, env),
               "registration": start_gunicorn("registration.web.app:create_app()", ports["registration"], args, env)}
    reg_port = ports["registration"]
    try:
        wait_healthy(f"http://127.0.0.1:{reg_port}/readyz", servers["registration"])
        wait_healthy(f"http://127.0.0.1:{reg_port}/healthz", servers["registration"])
        wait_healthy(f"http://127.0.0.1:{ports['insert']}/healthz", servers["insert"])
        token = env.get("ORGANISER_TOKEN", (env.get("ORGANISER_TOKENS") or "dev-organiser-token").split(",")[0])
        req = urllib.request.Request(
            f"http://127.0.0.1:{reg_port}/api/v1/meetings", method="POST",
            data=json.dumps({"title": f"Bench intake {uuid.uuid4().hex[:6]}", "starts_at": "2030-01-01T19:00:00+01:00",
                             "venue": "Bench", "area": "Bench"}).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(req, timeout=60) as r:
            meeting_id = json.loads(r.read())["id"]
        print(f"sign-up intake: {args.clients} client processes, {args.seconds:g}s each, gunicorn gthread "
              f"{args.workers} workers x {args.threads} threads, same run")
        signups = f"/api/v1/meetings/{meeting_id}/registrations"
        results = {
            "bare": drive(ports["bare"], f"/bare/{meeting_id}/registrations", args, unique=True),
            "insert": drive(ports["insert"], f"/bare/{meeting_id}/registrations", args, unique=True),
            # The repeat goes first, so it doesn't queue behind the new sign-ups' confirmations.
            "repeat": drive(reg_port, signups, args, unique=False),
            "new": drive(reg_port, signups, args, unique=True),
        }
    finally:
        for proc in servers.values():
            stop(proc)
        from pymongo import MongoClient
        with MongoClient(env.get("MONGODB_URI", "mongodb://127.0.0.1:27017/")) as client:
            client.drop_database(BARE_DB)
    for key, label in (("bare", "bare Flask JSON endpoint"), ("insert", "bare Flask + one insert_one"),
                       ("new", "registration: new sign-ups"), ("repeat", "registration: repeated sign-up")):
        r = results[key]
        print(f"  {label:34s} {r['per_s']:8.1f} req/s  p50 {r['p50_ms']:6.1f} ms  p95 {r['p95_ms']:6.1f} ms"
              f"  ({r['requests']} ok, {r['errors']} errors)")

    def ratio(a, b):
        return results[a]["per_s"] / results[b]["per_s"] if results[b]["per_s"] else 0.0

    print(f"  ratio new sign-ups / bare + insert_one: {ratio('new', 'insert'):.2f} (target >= 0.7)")
    print(f"  ratio new sign-ups / bare JSON:         {ratio('new', 'bare'):.3f}")
    print(f"  ratio repeated / new sign-ups:          {ratio('repeat', 'new'):.2f} (target >= 1: no slower)")
    profile = where_the_time_goes(stack_env(), meeting_id, 5 if args.smoke else 50)
    print("RESULT name=signup_intake " + " ".join(f"{k}={v}" for k, v in {
        "bare_json_per_s": f"{results['bare']['per_s']:.0f}", "bare_insert_per_s": f"{results['insert']['per_s']:.1f}",
        "new_per_s": f"{results['new']['per_s']:.1f}", "new_p50_ms": f"{results['new']['p50_ms']:.0f}",
        "new_p95_ms": f"{results['new']['p95_ms']:.0f}", "repeat_per_s": f"{results['repeat']['per_s']:.1f}",
        "repeat_p50_ms": f"{results['repeat']['p50_ms']:.0f}", "ratio_to_insert": f"{ratio('new', 'insert'):.2f}",
        "ratio_to_json": f"{ratio('new', 'bare'):.3f}", "repeat_to_new": f"{ratio('repeat', 'new'):.2f}",
        **profile, "errors": sum(r["errors"] for r in results.values()),
        "load1": f"{os.getloadavg()[0]:.1f}"}.items()))
    failed = [k for k, r in results.items() if r["errors"] or not r["requests"]]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
