"""The development SMTP server and SMS gateway, each run on free ports with its own data directory:
what a service sends is stored, readable over HTTP, survives a restart, and no address reaches the log."""

import json
import smtplib
import socket
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
DEVSERVERS = ROOT / "deploy" / "devservers"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, proc: subprocess.Popen, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"dev server exited with {proc.returncode}"
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within {timeout}s")


class DevServer:
    """One dev server process; restartable with the same ports and data."""

    def __init__(self, script: str, args: list[str], probe_url: str, log: Path):
        self.argv = [sys.executable, str(DEVSERVERS / script), *args]
        self.probe_url = probe_url
        self.log = log
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(self.argv, stdout=open(self.log, "a"), stderr=subprocess.STDOUT)
        wait_for_http(self.probe_url, self.proc)

    def stop(self):
        self.proc.terminate()
        assert self.proc.wait(timeout=10) == 0


@pytest.fixture
def mail(tmp_path):
    smtp_port, http_port = free_port(), free_port()
    server = DevServer("smtp_server.py", ["--smtp-port", str(smtp_port), "--http-port", str(http_port),
                                          "--data-dir", str(tmp_path / "mail")],
                       f"http://127.0.0.1:{http_port}/api/messages", tmp_path / "smtp.log")
    server.start()
    server.smtp_port = smtp_port
    server.api = f"http://127.0.0.1:{http_port}"
    yield server
    if server.proc.poll() is None:
        server.stop()


@pytest.fixture
def sms(tmp_path):
    port = free_port()
    server = DevServer("sms_gateway.py", ["--port", str(port), "--data-dir", str(tmp_path / "sms")],
                       f"http://127.0.0.1:{port}/api/messages", tmp_path / "sms.log")
    server.start()
    server.api = f"http://127.0.0.1:{port}"
    yield server
    if server.proc.poll() is None:
        server.stop()


ICS = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"


def send_mail(port: int, to: str, subject: str = "Je bent aangemeld", attach: bool = False) -> str:
    msg = EmailMessage()
    msg["From"] = "Wijkkracht <noreply@wijkkracht.example>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{time.monotonic_ns()}@wijkkracht.example>"
    msg.set_content("Hallo Fatima, tot donderdag in de Banier.")
    msg.add_alternative("<p>Hallo Fatima, tot <b>donderdag</b> in de Banier.</p>", subtype="html")
    if attach:
        msg.add_attachment(ICS, maintype="text", subtype="calendar",
                           filename="avond.ics")
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.send_message(msg)
    return msg["Message-ID"]


def test_mail_is_stored_with_bodies_and_attachments_and_survives_a_restart(mail):
    message_id = send_mail(mail.smtp_port, "fatima@example.org", attach=True)
    send_mail(mail.smtp_port, "someone.else@example.org")

    mine = requests.get(f"{mail.api}/api/messages", params={"to": "fatima@example.org"}, timeout=5).json()
    assert mine["total"] == 1
    [m] = mine["messages"]
    assert m["message_id"] == message_id
    assert m["to"] == ["fatima@example.org"]
    assert m["subject"] == "Je bent aangemeld"
    assert "Wijkkracht" in m["from"]
    assert "tot donderdag" in m["text"]
    assert "<b>donderdag</b>" in m["html"]
    assert m["attachments"] == [{"filename": "avond.ics", "content_type": "text/calendar", "size": len(ICS)}]
    assert m["headers"]["Subject"] == "Je bent aangemeld"
    assert m["received_at"].endswith("Z")

    mail.stop()
    mail.start()
    after = requests.get(f"{mail.api}/api/messages", timeout=5).json()
    assert after["total"] == 2
    assert message_id in [x["message_id"] for x in after["messages"]]

    assert requests.delete(f"{mail.api}/api/messages", timeout=5).status_code == 200
    assert requests.get(f"{mail.api}/api/messages", timeout=5).json()["total"] == 0
    mail.stop()
    mail.start()
    assert requests.get(f"{mail.api}/api/messages", timeout=5).json()["total"] == 0

    assert "fatima@example.org" not in mail.log.read_text()
    assert "Fatima" not in mail.log.read_text()


def post_sms(api: str, **overrides) -> requests.Response:
    body = {"to": "+31612345678", "from": "Wijkkracht", "body": "Je kleur is blauw.", "reference": "n-1"}
    body.update(overrides)
    return requests.post(f"{api}/v1/messages", json=body, timeout=5)


def test_sms_gateway_accepts_validates_and_stores(sms):
    r = post_sms(sms.api)
    assert r.status_code == 201
    accepted = r.json()
    assert accepted["status"] == "accepted" and accepted["reference"] == "n-1" and accepted["id"]

    assert post_sms(sms.api, to="0612345678").status_code == 400
    missing_to = post_sms(sms.api, to=None)
    assert missing_to.status_code == 400 and missing_to.json()["field"] == "to"
    assert post_sms(sms.api, body="  ").json()["field"] == "body"
    bad_json = requests.post(f"{sms.api}/v1/messages", data=b"{", timeout=5,
                             headers={"Content-Type": "application/json"})
    assert bad_json.status_code == 400 and "error" in bad_json.json()

    listed = requests.get(f"{sms.api}/api/messages", timeout=5).json()
    assert listed["total"] == 1
    [m] = listed["messages"]
    assert (m["id"], m["to"], m["from"], m["body"], m["reference"]) == \
        (accepted["id"], "+31612345678", "Wijkkracht", "Je kleur is blauw.", "n-1")

    sms.stop()
    sms.start()
    assert requests.get(f"{sms.api}/api/messages", timeout=5).json()["total"] == 1
    assert "+31612345678" not in sms.log.read_text()
    assert "blauw" not in sms.log.read_text()


def test_sms_gateway_fails_on_request_then_recovers(sms):
    r = requests.post(f"{sms.api}/api/fail", json={"count": 2, "status": 503}, timeout=5)
    assert r.status_code == 200
    assert post_sms(sms.api, reference="a").status_code == 503
    assert post_sms(sms.api, reference="b").status_code == 503
    assert post_sms(sms.api, reference="c").status_code == 201
    assert [m["reference"] for m in requests.get(f"{sms.api}/api/messages", timeout=5).json()["messages"]] == ["c"]

    requests.post(f"{sms.api}/api/fail", json={"count": 1, "status": 400}, timeout=5)
    assert post_sms(sms.api).status_code == 400

    requests.post(f"{sms.api}/api/fail", json={"count": 5, "status": 503}, timeout=5)
    assert requests.post(f"{sms.api}/api/reset", timeout=5).status_code == 200
    assert post_sms(sms.api).status_code == 201
    assert requests.get(f"{sms.api}/api/messages", timeout=5).json()["total"] == 1


def test_sms_gateway_serves_concurrent_senders(sms):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda i: post_sms(sms.api, reference=f"r{i}").status_code, range(40)))
    assert codes == [201] * 40
    stored = requests.get(f"{sms.api}/api/messages", timeout=5).json()["messages"]
    assert sorted(m["reference"] for m in stored) == sorted(f"r{i}" for i in range(40))
    lines = (Path(sms.proc.args[-1]) / "messages.jsonl").read_text().splitlines()
    assert len(lines) == 40 and all(json.loads(line)["status"] == "accepted" for line in lines)
