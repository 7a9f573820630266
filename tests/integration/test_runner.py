"""The local runner's process handling and its importable API (deploy.local.runner), which the
fault tests use to kill and restart components."""

import os
import sys
import time
import uuid

import pytest
import requests

from deploy.local import paths, procs, runner


@pytest.fixture
def name():
    n = f"test-{uuid.uuid4().hex[:8]}"
    paths.ensure_dirs()
    yield n
    procs.kill(n)
    procs.clear_pid(n)
    paths.log_path(n).unlink(missing_ok=True)


def test_stop_escalates_to_sigkill_for_a_process_that_ignores_sigterm(name):
    stubborn = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up', flush=True); time.sleep(600)"
    pid = procs.spawn(name, [sys.executable, "-c", stubborn], os.environ)
    procs.wait_until(lambda: "up" in paths.log_path(name).read_text(), 10, what="child to start")
    assert procs.running_pid(name) == pid

    started = time.monotonic()
    assert procs.stop(name, timeout=1) == pid
    assert time.monotonic() - started < 8
    assert procs.running_pid(name) is None
    assert not paths.pid_path(name).exists()


def test_kill_takes_the_whole_process_group_and_leaves_the_pid_file_like_a_crash(name):
    parent = ("import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)']);"
              "print('up', flush=True); time.sleep(600)")
    pid = procs.spawn(name, [sys.executable, "-c", parent], os.environ)
    procs.wait_until(lambda: "up" in paths.log_path(name).read_text(), 10, what="child to start")

    assert procs.kill(name) == pid
    assert procs.running_pid(name) is None
    assert paths.pid_path(name).exists()
    assert not procs._group_alive(pid)


def test_a_recycled_pid_is_not_taken_for_ours(name):
    paths.pid_path(name).write_text(f"{os.getpid()} 1\n")  # our pid, but another start time
    assert procs.running_pid(name) is None


def stack_sms_is_ours() -> bool:
    return runner.is_running("sms") and not os.environ.get("SMS_GATEWAY_URL")


@pytest.mark.skipif(not stack_sms_is_ours(), reason="needs the local stack's own SMS gateway (run.py up)")
def test_a_killed_component_restarts_with_its_data():
    url = runner.read_env()["SMS_GATEWAY_URL"]
    reference = f"runner-test-{uuid.uuid4().hex[:8]}"
    sent = requests.post(f"{url}/v1/messages", timeout=5,
                         json={"to": "+31600000000", "from": "Wijkkracht", "body": "test", "reference": reference})
    assert sent.status_code == 201

    old = runner.kill_component("sms")
    assert old and not runner.is_running("sms")
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/api/messages", timeout=2)

    new = runner.start_component("sms")
    assert new != old and runner.is_running("sms")
    references = [m["reference"] for m in requests.get(f"{url}/api/messages", timeout=5).json()["messages"]]
    assert reference in references


def test_env_json_names_every_endpoint_the_tests_read():
    env = runner.endpoints()
    for key in ("KAFKA_BOOTSTRAP_SERVERS", "MONGODB_URI", "SMTP_HOST", "SMTP_PORT", "MAIL_API_URL",
                "SMS_GATEWAY_URL", "REGISTRATION_URL", "MATCHING_URL", "NOTIFICATIONS_URL", "ORGANISER_TOKEN"):
        assert env[key], key


def test_endpoints_given_in_the_environment_are_used_and_not_started(monkeypatch):
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)  # other tests' fixtures may point at ours
    monkeypatch.setenv("MONGODB_URI", "mongodb://db.example:27017/")
    monkeypatch.setenv("SMS_GATEWAY_URL", "http://sms.example:9000")
    env = runner.endpoints()
    assert env["MONGODB_URI"] == "mongodb://db.example:27017/"
    assert env["SMS_GATEWAY_URL"] == "http://sms.example:9000"
    assert runner.component("docstore").external == "mongodb://db.example:27017/"
    assert runner.component("sms").external == "http://sms.example:9000"
    assert runner.component("kafka").external is None


def test_an_smtp_server_given_in_the_environment_replaces_ours(monkeypatch):
    monkeypatch.setenv("SMTP_HOST", "mail.example")
    env = runner.endpoints()
    assert (env["SMTP_HOST"], env["SMTP_PORT"]) == ("mail.example", "2525")
    assert runner.component("smtp").external == "smtp://mail.example:2525"


def test_a_component_that_dies_at_start_is_reported_with_its_log(name):
    from deploy.local.component import Component

    crashing = Component(name=name, group="infra", address="-", ready=lambda: False, ready_timeout=30,
                         command=lambda: [sys.executable, "-c", "print('config missing'); raise SystemExit(3)"],
                         env=lambda: dict(os.environ))
    started = time.monotonic()
    with pytest.raises(runner.ComponentError) as failure:
        runner._start(crashing)
    assert time.monotonic() - started < 10  # noticed the exit, did not sit out the deadline
    assert failure.value.name == name and "exited" in failure.value.reason
    assert "config missing" in procs.tail(failure.value.log)


def test_every_project_topic_keeps_events_seven_days_dead_letter_topics_too():
    """Retention is set on each topic, not left to the broker's default: the outer bound of how long a person's
    data lives in the event log after their erasure (DESIGN §3)."""
    from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient

    from deploy.local import kafka_broker
    from tests.support import stack_env

    admin = KafkaAdminClient(bootstrap_servers=stack_env()["KAFKA_BOOTSTRAP_SERVERS"])
    try:
        names = sorted(kafka_broker.all_topics())
        assert len(names) == 6 and sum(n.endswith(".dlq") for n in names) == 3
        described = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, n) for n in names])
    finally:
        admin.close()
    for name in names:
        setting = described["topic"][name]["retention.ms"]
        assert setting["value"] == str(7 * 24 * 3600 * 1000), name
        assert setting["config_source"] == "DYNAMIC_TOPIC_CONFIG", f"{name} relies on the broker's default"
