"""docker-compose.yml agrees with the local runner (deploy/local), is internally consistent, and keeps the
deployment rules: only the apis' web ports published, the infrastructure on an internal network, MongoDB
with authentication, every secret required, every service process in production mode. The same for the
developers' override, docker-compose.dev.yml (Mailpit and the SMS gateway on 127.0.0.1 only).

No Docker engine is needed: the files are read with PyYAML. The runner's tables are imported from
deploy/local (stdlib only at import time); should that fail, they are read from its source with `ast`,
so a broken runner import still lets this test say what disagrees. Syntax against Compose itself is
`make compose-config` (docker-compose config -q), also run here when docker-compose is installed.
"""
from __future__ import annotations

import ast
import importlib
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DEV_OVERRIDE = ROOT / "docker-compose.dev.yml"
LOCAL = ROOT / "deploy" / "local"

# Infrastructure the services reach, and the settings every service process is given.
REQUIRED_ENV = {
    "KAFKA_BOOTSTRAP_SERVERS", "MONGODB_URI", "SMTP_HOST", "SMTP_PORT", "SMS_GATEWAY_URL",
    "ORGANISER_TOKENS", "SECRET_KEY", "PUBLIC_BASE_URL", "WIJKKRACHT_ENV",
}
# Secrets each service process needs, only ever `${VAR:?message}`: compose stops when one is unset, so no
# deployment runs on a development value. MongoDB's credentials are required where they are used.
PROCESS_SECRETS = {"SECRET_KEY", "ORGANISER_TOKENS", "SESSION_SECRET", "LINK_SECRET", "PERSON_ID_SECRET"}
SERVICE_SECRETS = {"notifications": {"SMS_WEBHOOK_TOKEN"}}
MONGO_USER, MONGO_PASSWORD = "MONGO_INITDB_ROOT_USERNAME", "MONGO_INITDB_ROOT_PASSWORD"
# Deployment-specific but not secret: `${VAR:-the runner's default}`.
SUBSTITUTED_ENV = {"PUBLIC_BASE_URL"}
# Set by compose for the services' own start-up checks (production refuses development secrets).
COMPOSE_ONLY_ENV = {"WIJKKRACHT_ENV", "PYTHONUNBUFFERED"}
# What the runner sets for its own plumbing or for the tests, which no service reads.
RUNNER_PLUMBING = {"PYTHONPATH", "PYTHONUNBUFFERED", "SERVICE_NAME"}
VALID_CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}


# --- what the local runner says -----------------------------------------------------------------

class Runner:
    """The local runner's service table, ports, topics and the environment it gives services."""

    def __init__(self):
        self.services: dict[str, int] = {}        # name -> api port
        self.api_commands: dict[str, list[str]] = {}
        self.worker_commands: dict[str, list[str]] = {}
        self.service_env: dict[str, set[str]] = {}  # process name -> variable names
        self.defaults: dict[str, str] = {}
        self.topics: dict[str, int] = {}
        self.ports: dict[str, int] = {}           # kafka, docstore, smtp, mail_api, sms
        self.source = ""


def _load_runner_by_import() -> Runner:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    services = importlib.import_module("deploy.local.services")
    runner_mod = importlib.import_module("deploy.local.runner")
    kafka = importlib.import_module("deploy.local.kafka_broker")
    docstore = importlib.import_module("deploy.local.docstore")
    devservers = importlib.import_module("deploy.local.devservers")

    r = Runner()
    r.source = "imported from deploy/local"
    r.services = {s.name: s.api_port for s in services.SERVICES}
    r.defaults = dict(services.DEFAULTS)
    r.topics = dict(kafka.all_topics())
    r.ports = {"kafka": kafka.PORT, "docstore": docstore.PORT, "smtp": devservers.SMTP_PORT,
               "mail_api": devservers.MAIL_API_PORT, "sms": devservers.SMS_PORT}

    # The environment the runner would give each process on a machine with nothing set.
    saved = dict(os.environ)
    kept = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR"}  # so the runner's own lookups still work
    try:
        for name in list(os.environ):
            if name not in kept:
                del os.environ[name]
        endpoints = runner_mod.endpoints()
        for c in services.components(endpoints):
            r.service_env[c.name] = set(c.env()) - kept
            argv = [Path(a).name if "/" in a and a.endswith(("gunicorn", "python", "python3")) else a
                    for a in c.command()]
            if c.name.endswith("-api"):
                r.api_commands[c.name[:-4]] = argv
            else:
                r.worker_commands[c.name[:-7]] = argv
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return r


def _literal(node):
    try:
        return ast.literal_eval(node)
    except ValueError:
        return None


def _load_runner_by_parsing() -> Runner:
    """Fallback: read the same facts from deploy/local's source without importing it."""
    r = Runner()
    r.source = "parsed from deploy/local source (import failed)"
    services_src = ast.parse((LOCAL / "services.py").read_text())
    for node in ast.walk(services_src):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Service" and len(node.args) == 2:
            name, port = _literal(node.args[0]), _literal(node.args[1])
            if isinstance(name, str) and isinstance(port, int):
                r.services[name] = port
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "DEFAULTS" for t in node.targets):
            r.defaults = _literal(node.value) or {}
    for name in r.services:
        r.api_commands[name] = ["gunicorn", "--config", f"services/{name}/gunicorn.conf.py",
                                f"{name}.web.app:create_app()"]
        r.worker_commands[name] = ["python", "-m", f"{name}.worker"]
    runner_src = (LOCAL / "runner.py").read_text()
    fn = re.search(r"def endpoints\(\).*?\n(?=def )", runner_src, re.S)
    endpoint_names = set(re.findall(r'"([A-Z][A-Z0-9_]+)":', fn.group(0) if fn else ""))
    for name in r.services:
        env = endpoint_names | set(r.defaults) | RUNNER_PLUMBING
        r.service_env[f"{name}-api"] = env
        r.service_env[f"{name}-worker"] = env

    def module_int(path: Path, var: str) -> int | None:
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == var for t in node.targets):
                return _literal(node.value)
        return None

    kafka_py = LOCAL / "kafka_broker.py"
    for node in ast.parse(kafka_py.read_text()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "TOPICS" for t in node.targets):
            base = _literal(node.value) or {}
            dlq = module_int(kafka_py, "DLQ_PARTITIONS")
            r.topics = {**base, **{f"{t}.dlq": dlq for t in base}}
    r.ports = {"kafka": module_int(kafka_py, "PORT"), "docstore": module_int(LOCAL / "docstore.py", "PORT"),
               "smtp": module_int(LOCAL / "devservers.py", "SMTP_PORT"),
               "mail_api": module_int(LOCAL / "devservers.py", "MAIL_API_PORT"),
               "sms": module_int(LOCAL / "devservers.py", "SMS_PORT")}
    return r


@pytest.fixture(scope="module")
def runner() -> Runner:
    if not (LOCAL / "services.py").exists():
        pytest.fail("deploy/local/services.py (the local runner's service table) is missing")
    try:
        r = _load_runner_by_import()
    except Exception as exc:  # noqa: BLE001 - any import problem: fall back to reading the source
        r = _load_runner_by_parsing()
        r.source += f": {type(exc).__name__}: {exc}"
    assert r.services, f"found no services in the local runner ({r.source})"
    return r


# --- what docker-compose.yml says ---------------------------------------------------------------

@pytest.fixture(scope="module")
def compose() -> dict:
    assert COMPOSE_FILE.exists(), "docker-compose.yml is missing at the repo root"
    data = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(data, dict) and isinstance(data.get("services"), dict), \
        "docker-compose.yml has no `services:` mapping"
    return data


def _argv(command) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else list(command or [])


def _env(service: dict) -> dict:
    env = service.get("environment") or {}
    if isinstance(env, list):  # ["NAME=value", ...]
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return env


def _published(service: dict) -> dict[int, int]:
    """{published port: container port} from short ("8001:8001", "127.0.0.1:8001:8001") or long syntax."""
    result = {}
    for p in service.get("ports") or []:
        if isinstance(p, dict):
            result[int(p["published"])] = int(p["target"])
        else:
            parts = str(p).split("/")[0].split(":")
            result[int(parts[-2])] = int(parts[-1])
    return result


def _networks(service: dict) -> list[str]:
    networks = service.get("networks") or []
    return list(networks) if isinstance(networks, (list, dict)) else []


def _internal(compose: dict, network: str) -> bool:
    return bool(((compose.get("networks") or {}).get(network) or {}).get("internal"))


def _interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's `${VAR}`, `${VAR:-default}` and `${VAR:?message}`, for the values these tests read."""
    def one(m):
        name, op, arg = m.group(1), m.group(2), m.group(3)
        if env.get(name):
            return env[name]
        if op == ":?":
            raise AssertionError(f"{name} is required: {arg}")
        return arg if op == ":-" else ""
    return re.sub(r"\$\{([A-Z0-9_]+)(?:(:\?|:-)([^}]*))?\}", one, value)


def _depends(service: dict) -> dict[str, str]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return {d: "service_started" for d in deps}
    return {name: (spec or {}).get("condition", "service_started") for name, spec in deps.items()}


def _option(argv: list[str], flag: str) -> str | None:
    for i, a in enumerate(argv):
        if a == flag and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith(flag + "="):
            return a.split("=", 1)[1]
    return None


# --- agreement with the runner -------------------------------------------------------------------

def test_every_runner_process_is_a_compose_service(compose, runner):
    expected = {f"{name}-{kind}" for name in runner.services for kind in ("api", "worker")}
    missing = sorted(expected - set(compose["services"]))
    assert not missing, (f"docker-compose.yml lacks {missing}; the local runner ({runner.source}) "
                         f"runs {sorted(expected)}")
    extra = sorted(n for n in compose["services"]
                   if n.endswith(("-api", "-worker")) and n not in expected)
    assert not extra, f"docker-compose.yml has {extra}, which the local runner does not know"


def test_api_ports_match_the_runner(compose, runner):
    for name, port in runner.services.items():
        svc = compose["services"][f"{name}-api"]
        published = _published(svc)
        assert published.get(port) == port, (
            f"{name}-api: the local runner serves it on {port}; compose publishes {published or 'nothing'}")
        bind = _option(_argv(svc.get("command")), "--bind") or _option(_argv(svc.get("command")), "-b")
        assert bind == f"0.0.0.0:{port}", (
            f"{name}-api: gunicorn must bind 0.0.0.0:{port} inside the container (got --bind {bind!r})")


def test_commands_run_the_runners_modules(compose, runner):
    for name in runner.services:
        api = _argv(compose["services"][f"{name}-api"].get("command"))
        want_app = f"{name}.web.app:create_app()"
        runner_api = runner.api_commands.get(name, [])
        assert want_app in runner_api, f"the runner's {name}-api no longer serves {want_app}: {runner_api}"
        assert api and Path(api[0]).name == "gunicorn", f"{name}-api must run gunicorn, runs {api}"
        assert want_app in api, f"{name}-api: compose serves {api}, the runner serves {want_app}"
        config = _option(api, "--config") or _option(api, "-c")
        assert config and config.endswith(f"services/{name}/gunicorn.conf.py"), (
            f"{name}-api: gunicorn --config should be services/{name}/gunicorn.conf.py, is {config!r}")

        worker = _argv(compose["services"][f"{name}-worker"].get("command"))
        runner_worker = runner.worker_commands.get(name, [])
        assert _option(runner_worker, "-m") == f"{name}.worker", f"the runner's {name}-worker: {runner_worker}"
        assert worker[:1] in (["python"], ["python3"]) and _option(worker, "-m") == f"{name}.worker", (
            f"{name}-worker: compose runs {worker}, the runner runs python -m {name}.worker")


def test_service_environment_names_match_the_runner(compose, runner):
    config_src = (ROOT / "shared" / "wijkkracht" / "config.py").read_text()
    known_to_config = set(re.findall(r'"([A-Z][A-Z0-9_]+)":', config_src))
    code = "\n".join(p.read_text() for p in [*(ROOT / "shared").rglob("*.py"), *(ROOT / "services").rglob("*.py")])
    for process, runner_env in sorted(runner.service_env.items()):
        assert process in compose["services"], f"docker-compose.yml lacks {process}"
        env = _env(compose["services"][process])
        names = set(env)
        # Everything the runner hands a service that the code reads must be set in compose too.
        read_by_code = {n for n in runner_env - RUNNER_PLUMBING if re.search(rf"\b{n}\b", code)}
        missing = sorted((REQUIRED_ENV | read_by_code) - names)
        assert not missing, (f"{process}: compose does not set {missing}; the local runner "
                             f"({runner.source}) gives {sorted(runner_env - RUNNER_PLUMBING)}")
        # And compose invents no names: each is known to the runner or the shared config, or read by the code.
        unknown = sorted(n for n in names - runner_env - known_to_config - COMPOSE_ONLY_ENV
                         if not re.search(rf"\b{n}\b", code))
        assert not unknown, f"{process}: compose sets {unknown}, which no service reads"


def test_public_addresses_are_substituted_with_the_runners_defaults(compose, runner):
    for process in runner.service_env:
        env = _env(compose["services"][process])
        for name in SUBSTITUTED_ENV:
            value = str(env.get(name))
            m = re.fullmatch(r"\$\{" + name + r":-([^}]*)\}", value)
            assert m, f"{process}: {name} must be `${{{name}:-dev default}}`, is {value!r}"
            if name in runner.defaults:
                assert m.group(1) == runner.defaults[name], (
                    f"{process}: {name} defaults to {m.group(1)!r}; the local runner uses {runner.defaults[name]!r}")


# --- what is reachable from outside ---------------------------------------------------------------

def test_only_the_api_ports_are_published(compose, runner):
    api_ports = {f"{name}-api": port for name, port in runner.services.items()}
    for name, svc in compose["services"].items():
        assert "network_mode" not in svc, f"{name}: network_mode {svc['network_mode']!r} bypasses the networks"
        published = _published(svc)
        if name in api_ports:
            port = api_ports[name]
            assert published == {port: port}, (
                f"{name}: the local runner serves it on {port}; compose publishes {published or 'nothing'}")
        else:
            assert not published, f"{name} publishes {published}: only the apis' web ports may be published"


def test_every_service_names_its_networks(compose):
    # A service without `networks:` joins `default`, which is not internal: Kafka or MongoDB would be
    # reachable from, and could reach, the outside.
    declared = compose.get("networks") or {}
    for name, svc in compose["services"].items():
        networks = _networks(svc)
        assert networks, f"{name} names no network, so it would join `default`"
        undeclared = sorted(set(networks) - set(declared))
        assert not undeclared, f"{name} joins {undeclared}, not declared under networks:"


def test_infrastructure_is_only_on_the_internal_network(compose, runner):
    processes = set(runner.service_env)
    infra = sorted(set(compose["services"]) - processes)
    assert {"kafka", "kafka-init", "mongo", "mailpit", "sms-gateway"} <= set(infra), infra
    for name in infra:
        public = [n for n in _networks(compose["services"][name]) if not _internal(compose, n)]
        assert not public, f"{name} joins {public}, which is not internal: infrastructure stays on the internal network"


def test_every_service_process_reaches_kafka_and_mongo_on_the_internal_network(compose, runner):
    services = compose["services"]
    shared = set(_networks(services["kafka"])) & set(_networks(services["mongo"]))
    assert shared, "kafka and mongo share no network"
    for process in runner.service_env:
        on = set(_networks(services[process])) & shared
        assert on and all(_internal(compose, n) for n in on), (
            f"{process} must reach kafka and mongo over the internal network; it joins {_networks(services[process])}")


def test_apis_are_on_a_published_network_and_only_the_notifications_worker_has_egress(compose, runner):
    services = compose["services"]
    apis = {f"{name}-api" for name in runner.services}
    for api in apis:
        assert any(not _internal(compose, n) for n in _networks(services[api])), (
            f"{api} publishes its port, so it needs a network that is not internal (Docker publishes through it)")
    for name in runner.services:
        worker = f"{name}-worker"
        public = [n for n in _networks(services[worker]) if not _internal(compose, n)]
        if name == "notifications":
            # It sends through the real SMTP server and SMS provider in production, on a network of its own.
            assert public, "notifications-worker needs a network that is not internal, to reach the providers"
            for n in public:
                others = sorted(s for s, svc in services.items() if s != worker and n in _networks(svc))
                assert not others, f"notifications-worker's egress network {n!r} is shared with {others}"
        else:
            assert not public, f"{worker} needs only the internal network, joins {public}"


# --- secrets and production mode ------------------------------------------------------------------

def _required(value, name: str) -> bool:
    return re.fullmatch(r"\$\{" + name + r":\?[^}]+\}", str(value)) is not None


def test_every_secret_is_required(compose, runner):
    for process in runner.service_env:
        env = _env(compose["services"][process])
        service = process.rsplit("-", 1)[0]
        for name in sorted(PROCESS_SECRETS | SERVICE_SECRETS.get(service, set())):
            assert _required(env.get(name), name), (
                f"{process}: {name} must be `${{{name}:?set {name} (see README)}}`, is {env.get(name)!r}")
    mongo_env = _env(compose["services"]["mongo"])
    for name in (MONGO_USER, MONGO_PASSWORD):
        assert _required(mongo_env.get(name), name), f"mongo: {name} must be `${{{name}:?...}}`, is {mongo_env.get(name)!r}"


def _without_comments(text: str) -> str:
    return re.sub(r"^\s*#.*$", "", text, flags=re.M)


def test_no_secret_has_a_default_and_all_are_listed_in_x_secrets():
    text = _without_comments(COMPOSE_FILE.read_text())
    secret = re.compile(r"KEY|TOKEN|PASSWORD|SECRET|USERNAME")
    defaulted = sorted({v for v in re.findall(r"\$\{([A-Z0-9_]+):?-", text) if secret.search(v)})
    assert not defaulted, f"docker-compose.yml gives secrets a default: {defaulted}; require them with `:?`"
    # Every `${VAR:?...}` is written in the one `x-secrets:` block, the list an operator has to fill in.
    block = re.search(r"^x-secrets:\n(?:(?:[ #].*)?\n)*", text, re.M)
    assert block, "docker-compose.yml has no top-level `x-secrets:` block"
    outside = text[:block.start()] + text[block.end():]
    strays = sorted(set(re.findall(r"\$\{([A-Z0-9_]+):\?", outside)))
    assert not strays, f"{strays} are required outside x-secrets; list them there (an anchor) instead"
    listed = set(re.findall(r"\$\{([A-Z0-9_]+):\?", block.group(0)))
    assert listed >= PROCESS_SECRETS | {MONGO_USER, MONGO_PASSWORD} | set().union(*SERVICE_SECRETS.values()), listed


def test_every_service_process_runs_in_production_mode(compose, runner):
    for process in runner.service_env:
        value = _env(compose["services"][process]).get("WIJKKRACHT_ENV")
        assert value == "production", f"{process}: WIJKKRACHT_ENV must be production, is {value!r}"


def test_mongodb_requires_auth_and_the_uri_carries_it(compose, runner):
    mongo = compose["services"]["mongo"]
    assert "--auth" in _argv(mongo.get("command")), f"mongo must run mongod --auth, runs {mongo.get('command')!r}"
    throwaway = {MONGO_USER: "wk-user", MONGO_PASSWORD: "wk-password"}
    for process in runner.service_env:
        raw = _env(compose["services"][process]).get("MONGODB_URI")
        uri = urlsplit(_interpolate(str(raw), throwaway))
        assert (uri.scheme, uri.hostname, uri.port) == ("mongodb", "mongo", 27017), f"{process}: MONGODB_URI {raw!r}"
        assert (uri.username, uri.password) == ("wk-user", "wk-password"), (
            f"{process}: MONGODB_URI must carry ${{{MONGO_USER}:?}} and ${{{MONGO_PASSWORD}:?}}, is {raw!r}")
        assert parse_qs(uri.query).get("authSource") == ["admin"], (
            f"{process}: the root user lives in admin, so MONGODB_URI needs authSource=admin: {raw!r}")


# --- the developers' override -----------------------------------------------------------------------

def test_dev_override_shows_mail_and_texts_on_loopback_only(compose, runner):
    assert DEV_OVERRIDE.exists(), "docker-compose.dev.yml is missing"
    dev = yaml.safe_load(DEV_OVERRIDE.read_text())
    services = dev.get("services") or {}
    assert set(services) <= {"mailpit", "sms-gateway"}, f"docker-compose.dev.yml changes {sorted(services)}"
    wanted = {"mailpit": (runner.ports["mail_api"], 8025), "sms-gateway": (runner.ports["sms"], 8026)}
    networks = {**(compose.get("networks") or {}), **(dev.get("networks") or {})}
    for name, (host_port, container_port) in wanted.items():
        svc = services.get(name) or {}
        ports = [str(p.get("host_ip", "") + ":" + str(p["published"])) if isinstance(p, dict) else str(p)
                 for p in svc.get("ports") or []]
        assert ports and all(p.startswith("127.0.0.1:") for p in ports), (
            f"docker-compose.dev.yml: {name} must publish on 127.0.0.1 only (no login), publishes {ports}")
        assert _published(svc).get(host_port) == container_port, (
            f"{name}: the local runner's tools expect host port {host_port}; the override publishes {_published(svc)}")
        own = _networks(svc)
        assert set(own) >= set(_networks(compose["services"][name])), f"{name} must stay on its networks: {own}"
        public = [n for n in own if not (networks.get(n) or {}).get("internal")]
        assert public, f"{name}: Docker publishes only through a network that is not internal; it joins {own}"
        for n in public:
            others = sorted(s for s, c in compose["services"].items() if n in _networks(c))
            assert not others, f"{name}'s dev network {n!r} is shared with {others} from docker-compose.yml"
        assert not svc.get("environment"), f"docker-compose.dev.yml must not change {name}'s environment"


def test_topic_init_creates_the_runners_topics(compose, runner):
    init = compose["services"].get("kafka-init")
    assert init, "docker-compose.yml has no kafka-init service"
    script = "\n".join(_argv(init.get("command")) + _argv(init.get("entrypoint")))
    created = {t: int(n) for t, n in re.findall(r"^\s*create\s+(\S+)\s+(\d+)\s*$", script, re.M)}
    assert created == runner.topics, (f"kafka-init creates {created}; the local runner creates {runner.topics}")
    if str(ROOT / "shared") not in sys.path:
        sys.path.insert(0, str(ROOT / "shared"))
    topics = importlib.import_module("wijkkracht.topics")
    expected = set(topics.ALL) | {topics.dlq(t) for t in topics.ALL}
    assert set(created) == expected, f"kafka-init creates {sorted(created)}; shared topics are {sorted(expected)}"
    assert _depends(init).get("kafka") == "service_healthy", "kafka-init must wait for a healthy kafka"
    assert str(init.get("restart", "no")) == "no", "kafka-init runs once: restart must be \"no\""


# --- internal consistency ------------------------------------------------------------------------

def test_depends_on_targets_exist_and_conditions_hold(compose):
    services = compose["services"]
    for name, svc in services.items():
        for target, condition in _depends(svc).items():
            assert target in services, f"{name} depends on {target!r}, which is not a service"
            assert condition in VALID_CONDITIONS, f"{name} -> {target}: unknown condition {condition!r}"
            if condition == "service_healthy":
                assert (services[target].get("healthcheck") or {}).get("test"), (
                    f"{name} waits for {target} to be healthy, but {target} has no healthcheck")


def test_services_wait_for_the_infrastructure(compose, runner):
    for process in runner.service_env:
        deps = _depends(compose["services"][process])
        assert deps.get("kafka") == "service_healthy", f"{process} must wait for a healthy kafka"
        assert deps.get("mongo") == "service_healthy", f"{process} must wait for a healthy mongo"
        assert deps.get("kafka-init") == "service_completed_successfully", f"{process} must wait for the topics"
        assert compose["services"][process].get("restart") in ("unless-stopped", "always", "on-failure"), \
            f"{process} needs a restart policy"


def test_healthchecks_exist(compose, runner):
    services = compose["services"]
    wanted = ["kafka", "mongo", *(f"{name}-api" for name in runner.services)]
    for name in wanted:
        hc = services.get(name, {}).get("healthcheck") or {}
        assert hc.get("test") and not hc.get("disable"), f"{name} needs a healthcheck"
    assert "mongosh" in str(services["mongo"]["healthcheck"]["test"]), "mongo's healthcheck should ping with mongosh"
    for name, port in runner.services.items():
        test = " ".join(_argv(services[f"{name}-api"]["healthcheck"]["test"]))
        assert f":{port}/healthz" in test, f"{name}-api's healthcheck should probe /healthz on {port}: {test}"
        assert "curl" not in test and "wget" not in test, f"{name}-api: slim images lack curl/wget, use python"


def test_builds_point_at_this_repo(compose, runner):
    for name in runner.services:
        for kind in ("api", "worker"):
            build = compose["services"][f"{name}-{kind}"].get("build") or {}
            assert build.get("context") == ".", f"{name}-{kind}: build context must be the repo root"
            assert build.get("dockerfile") == f"services/{name}/Dockerfile", \
                f"{name}-{kind}: dockerfile should be services/{name}/Dockerfile, is {build.get('dockerfile')!r}"
    sms = compose["services"]["sms-gateway"]
    dockerfile = sms["build"]["dockerfile"]
    assert (ROOT / dockerfile).exists(), f"sms-gateway builds {dockerfile}, which is missing"
    command = _argv(sms.get("command"))
    script = next((a for a in command if a.endswith(".py")), None)
    assert script and (ROOT / script).exists(), f"sms-gateway runs {script!r}, which is not in the repo"
    assert _option(command, "--host") == "0.0.0.0", "the SMS gateway must listen on 0.0.0.0 in a container"


def test_volumes_are_declared(compose):
    declared = set(compose.get("volumes") or {})
    for name, svc in compose["services"].items():
        for v in svc.get("volumes") or []:
            source = v.get("source") if isinstance(v, dict) else str(v).split(":")[0]
            if source and not source.startswith((".", "/", "~")):
                assert source in declared, f"{name} mounts named volume {source!r}, not declared under volumes:"


def _required_variables() -> set[str]:
    return set(re.findall(r"\$\{([A-Z0-9_]+):\?", _without_comments(COMPOSE_FILE.read_text())))


def test_make_compose_config_gives_every_required_secret_a_throwaway_value():
    makefile = (ROOT / "Makefile").read_text()
    line = re.search(r"^COMPOSE_CHECK_ENV\s*=(.*)$", makefile, re.M)
    assert line, "the Makefile's compose-config target has no COMPOSE_CHECK_ENV throwaway secrets"
    given = set(re.findall(r"([A-Z0-9_]+)=", line.group(1)))
    missing = sorted(_required_variables() - given)
    assert not missing, f"make compose-config gives no throwaway value for {missing}, so it fails without a .env"
    recipe = re.search(r"^compose-config:.*\n((?:\t.*\n)+)", makefile, re.M)
    assert recipe and "docker-compose.dev.yml" in recipe.group(1), "make compose-config must check the dev override too"


def _compose_config(files: list[Path], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    empty = tmp_path / "empty.env"  # so a developer's .env cannot supply (or hide) a missing secret
    empty.write_text("")
    argv = ["docker-compose", "--env-file", str(empty)]
    for f in files:
        argv += ["-f", str(f)]
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")}
    return subprocess.run([*argv, "config", "-q"], cwd=ROOT, env={**base, **env},
                          capture_output=True, text=True, timeout=60)


@pytest.mark.skipif(not shutil.which("docker-compose"), reason="docker-compose not installed")
def test_docker_compose_config_accepts_the_files_with_the_secrets_set(tmp_path):
    # One run over both files (about a second each): an error in either fails it; make compose-config
    # also checks docker-compose.yml alone.
    secrets = {name: "throwaway" for name in _required_variables()}
    result = _compose_config([COMPOSE_FILE, DEV_OVERRIDE], secrets, tmp_path)
    assert result.returncode == 0, f"docker-compose config -q (with the dev override) failed:\n{result.stderr}"


@pytest.mark.skipif(not shutil.which("docker-compose"), reason="docker-compose not installed")
def test_docker_compose_refuses_to_run_without_a_secret(tmp_path):
    secrets = {name: "throwaway" for name in _required_variables()}
    del secrets["SECRET_KEY"]
    result = _compose_config([COMPOSE_FILE], secrets, tmp_path)
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr, (
        f"without SECRET_KEY, docker-compose config should stop and name it; rc={result.returncode}\n{result.stderr}")
