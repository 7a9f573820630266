"""Providers away for a long time or losing their answers, against the real document store, dev SMTP server
and SMS gateway: deliveries wait and go out when the provider returns, give up after the configured age
with the last error in the delivery log, an unknown outcome is reconciled rather than resent blindly, and
an organiser can resend a failed delivery once per request."""
import socket
import threading
import urllib.parse
import uuid

import pytest
from pymongo import MongoClient

from notifications.adapters import email as email_adapter
from notifications.adapters import sms, store
from notifications.domain import model
from notifications.render import Renderer
from notifications.sender import Sender, Settings
from notifications.web.app import create_app
from tests.support import stack_env, wait_until


@pytest.fixture()
def db(stack, monkeypatch):
    name = f"notifications_outage_{uuid.uuid4().hex[:8]}"  # not the worker's: it must not send these
    monkeypatch.setenv("NOTIFICATIONS_MONGODB_DATABASE", name)
    client = MongoClient(stack.env.get("MONGODB_URI", "mongodb://127.0.0.1:27117/"), tz_aware=True)
    database = client[name]
    store.ensure_indexes(database)
    database.client_for_app = client
    yield database
    client.drop_database(name)
    client.close()


def settings(**kw):
    return Settings(mail_from="Wijkkracht <noreply@wijkkracht.nl>", message_id_domain="wijkkracht.nl",
                    sms_sender="Wijkkracht", public_base_url="http://127.0.0.1:8003", secret_key="test",
                    retry_base_s=0.05, retry_cap_s=0.2, wait_for_context_s=0.5, quiet=(0, 0), **kw)


def a_phone() -> str:
    return "+3162" + uuid.uuid4().hex[:7].translate(str.maketrans("abcdef", "123456"))


def colour_by_sms(db, phone: str) -> str:
    person_id = uuid.uuid4().hex
    db.people.insert_one({"_id": person_id, "name": "Kees", "phone": phone, "preferred_channel": "sms",
                          "language": "nl"})
    delivery_id = model.delivery_id("colour", person_id)
    store.record(db, [store.new_delivery(delivery_id, "colour", person_id=person_id, meeting_id=None,
                                         channel="sms", event_at=None, data={"colour": "groen", "table": 3})])
    return delivery_id


class AnswerLosingProxy:
    """A real TCP hop in front of the SMS gateway that loses the answer to the first request: ``forward``
    True passes the request on (the gateway takes the message) before dropping the connection, False drops
    it unsent. Later connections pass both ways."""

    def __init__(self, target_url: str, forward: bool):
        parsed = urllib.parse.urlsplit(target_url)
        self.target = (parsed.hostname, parsed.port or 80)
        self.forward = forward
        self.lost = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            lose = self.lost == 0
            self.lost += lose
            threading.Thread(target=self._serve, args=(client, lose), daemon=True).start()

    def _serve(self, client, lose: bool):
        upstream = socket.create_connection(self.target)
        try:
            if lose:
                request = self._whole_request(client)
                if self.forward:
                    upstream.sendall(request)
                    upstream.recv(65536)  # the gateway answered: that answer never reaches the sender
                return
            threading.Thread(target=self._pipe, args=(upstream, client), daemon=True).start()
            self._pipe(client, upstream)
        finally:
            if lose:
                client.close()
                upstream.close()

    @staticmethod
    def _whole_request(client) -> bytes:
        """The whole HTTP request: its head, then as many bytes of body as it says (TCP may hand over the
        head and the body apart; forwarding only the first part left the gateway waiting for the rest)."""
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = client.recv(65536)
            if not chunk:
                return data
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")[1:]
                       if line.lower().startswith(b"content-length:")), 0)
        while len(body) < length:
            chunk = client.recv(65536)
            if not chunk:
                break
            body += chunk
        return head + b"\r\n\r\n" + body

    @staticmethod
    def _pipe(src, dst):
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self):
        self.listener.close()


def settle(sender, db, delivery_id, statuses=("sent", "failed"), timeout_s=30):
    def done():
        sender.run_once()
        doc = store.delivery(db, delivery_id)
        return doc if doc["status"] in statuses else None
    return wait_until(done, timeout_s, interval_s=0.05, message=f"delivery {statuses}")


@pytest.mark.parametrize("forward", [True, False], ids=["gateway-took-it", "gateway-never-saw-it"])
def test_an_sms_whose_answer_was_lost_is_reconciled_and_arrives_once(db, stack, forward):
    phone = a_phone()
    delivery_id = colour_by_sms(db, phone)
    proxy = AnswerLosingProxy(stack.env["SMS_GATEWAY_URL"], forward=forward)
    sender = Sender(db, Renderer(), email_adapter.SmtpTransport("127.0.0.1", 1),
                    sms.DevGatewayTransport(proxy.url, timeout_s=10), settings())
    try:
        def tried():
            sender.run_once()
            doc = store.delivery(db, delivery_id)
            return doc if doc["attempts"] else None
        waiting = wait_until(tried, 30, interval_s=0.05, message="the first attempt")
        assert waiting["status"] == "pending" and waiting["maybe_sent"] == "sms", waiting
        assert waiting["attempts"] == 1
        done = settle(sender, db, delivery_id, timeout_s=60)  # until the gateway restarts, a lookup reads it all
    finally:
        proxy.close()
    assert done["status"] == "sent" and "maybe_sent" not in done
    assert done["attempts"] == (1 if forward else 2)  # reconciled: the gateway had it; or sent once more
    assert [m["reference"] for m in stack.sms(to=phone)] == [delivery_id]


@pytest.mark.parametrize("handed_over", [True, False], ids=["killed-after-the-gateway-took-it", "killed-before"])
def test_an_sms_whose_sender_was_killed_holding_it_is_reconciled_and_arrives_once(db, stack, handed_over):
    phone = a_phone()
    delivery_id = colour_by_sms(db, phone)
    [entry], _due = store.due(db, 10)  # a colour: the urgent lane
    assert store.claim(db, entry, 0.3, "killed") is not None  # then SIGKILLed: no mark, the lease runs out
    if handed_over:
        sms.DevGatewayTransport(stack.env["SMS_GATEWAY_URL"]).hand_over(
            "Wijkkracht", phone, "Je kleur is GROEN", reference=delivery_id, unicode=False)()
    sender = Sender(db, Renderer(), email_adapter.SmtpTransport("127.0.0.1", 1),
                    sms.DevGatewayTransport(stack.env["SMS_GATEWAY_URL"]), settings())
    done = settle(sender, db, delivery_id, timeout_s=30)
    assert done["status"] == "sent"
    assert [m["reference"] for m in stack.sms(to=phone)] == [delivery_id]  # once, either way


def test_a_provider_away_is_retried_until_the_give_up_age_then_failed_with_the_last_error(db, stack):
    delivery_id = colour_by_sms(db, a_phone())
    # Nothing listens on port 1: the gateway is "down" for as long as this test runs.
    sender = Sender(db, Renderer(), email_adapter.SmtpTransport("127.0.0.1", 1),
                    sms.DevGatewayTransport("http://127.0.0.1:1", timeout_s=1), settings(give_up_h=3 / 3600))
    failed = settle(sender, db, delivery_id, statuses=("failed", "sent"), timeout_s=30)
    assert failed["status"] == "failed" and failed["attempts"] > 3, failed
    assert failed["reason"].startswith(f"gave up after {failed['attempts']} attempts: dev-sms:"), failed["reason"]
    assert "+31" not in failed["reason"]


def test_an_organiser_resends_a_failed_delivery_once_per_request(db, stack):
    phone = a_phone()
    delivery_id = colour_by_sms(db, phone)
    down = Sender(db, Renderer(), email_adapter.SmtpTransport("127.0.0.1", 1),
                  sms.DevGatewayTransport("http://127.0.0.1:1", timeout_s=1), settings(give_up_h=0))
    settle(down, db, delivery_id, statuses=("failed",))
    http = create_app(db.client_for_app).test_client()
    organiser = {"Authorization": f"Bearer {stack_env()['ORGANISER_TOKEN']}"}
    url = f"/api/v1/deliveries/{delivery_id}/resend"
    assert http.post(url).status_code == 401
    assert http.post("/api/v1/deliveries/nothing-here/resend", headers=organiser).status_code == 404
    first = http.post(url, headers={**organiser, "Idempotency-Key": "k1"})
    assert first.status_code == 202, first.get_data(as_text=True)
    assert (first.get_json()["status"], first.get_json()["resends"]) == ("pending", 1)
    again = http.post(url, headers={**organiser, "Idempotency-Key": "k1"})  # the same request repeated
    assert again.status_code == 202 and again.get_json()["resends"] == 1
    assert http.post(url, headers={**organiser, "Idempotency-Key": "k2"}).status_code == 409  # already queued
    up = Sender(db, Renderer(), email_adapter.SmtpTransport("127.0.0.1", 1),
                sms.DevGatewayTransport(stack.env["SMS_GATEWAY_URL"]), settings())
    settle(up, db, delivery_id, statuses=("sent",))
    assert [m["reference"] for m in stack.sms(to=phone)] == [delivery_id]
    log = http.get(f"/api/v1/deliveries?person_id={store.delivery(db, delivery_id)['person_id']}",
                   headers=organiser).get_json()["deliveries"]
    assert [(d["status"], d["resends"], d["maybe_sent"]) for d in log] == [("sent", 1, False)]
    assert db.deliveries.find_one({"_id": delivery_id})["resends"][0]["request_id"] == "k1"
