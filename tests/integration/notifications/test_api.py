"""The notifications api on a database of its own: the delivery log, the unsubscribe page, SMS STOP."""
import uuid

import pytest
from pymongo import MongoClient

from notifications import config, links
from notifications.adapters import store
from notifications.web.app import create_app
from tests.support import stack_env


@pytest.fixture()
def api(stack, monkeypatch):
    name = f"notifications_api_{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("NOTIFICATIONS_MONGODB_DATABASE", name)
    client = MongoClient(stack.env.get("MONGODB_URI", "mongodb://127.0.0.1:27117/"), tz_aware=True)
    db = client[name]
    db.people.insert_one({"_id": "p1", "name": "Fatima", "email": "f@example.org", "phone": "+31612345678",
                          "preferred_channel": "sms", "language": "en"})
    app = create_app(client)
    yield app.test_client(), db
    client.drop_database(name)
    client.close()


def test_the_delivery_log_needs_a_filter_and_lists_what_was_recorded(api):
    http, db = api
    assert http.get("/api/v1/deliveries?person_id=p1").status_code == 401  # it names people: organisers only
    organiser = {"Authorization": f"Bearer {stack_env()['ORGANISER_TOKEN']}"}
    assert http.get("/api/v1/deliveries", headers=organiser).status_code == 422
    delivery = store.new_delivery("d1", "confirmation", person_id="p1", meeting_id="m1", channel="email",
                                  event_at=None)
    store.record(db, [delivery])
    body = http.get("/api/v1/deliveries?person_id=p1", headers=organiser).get_json()
    assert [(d["id"], d["kind"], d["status"], d["attempts"]) for d in body["deliveries"]] == [
        ("d1", "confirmation", "pending", 0)]


def test_the_unsubscribe_page_asks_in_the_residents_language_and_records_the_choice(api):
    http, db = api
    token = links.unsubscribe_token(config.secret_key(), "person", "p1", "sms")
    page = http.get(f"/afmelden/{token}")
    assert page.status_code == 200 and "No more text messages" in page.get_data(as_text=True)
    done = http.post(f"/afmelden/{token}", data={"channel": "sms"})
    assert done.status_code == 200 and "text message" in done.get_data(as_text=True)
    assert db.people.find_one({"_id": "p1"})["unsubscribed"] == {"sms": True}
    assert http.get("/afmelden/not-a-token").status_code == 404


def test_one_click_unsubscribe_from_a_mail_client(api):
    http, db = api
    token = links.unsubscribe_token(config.secret_key(), "person", "p1", "email")
    r = http.post(f"/afmelden/{token}", data={"List-Unsubscribe": "One-Click"})
    assert r.status_code == 200
    assert db.people.find_one({"_id": "p1"})["unsubscribed"] == {"email": True}


def test_an_sms_stop_reply_opts_the_number_out(api):
    http, db = api
    assert http.post("/api/v1/sms/inbound?token=wrong", json={"from": "+31612345678", "body": "STOP"}).status_code == 403
    r = http.post(f"/api/v1/sms/inbound?token={config.sms_webhook_token()}",
                  json={"originator": "31612345678", "payload": "Stop"})
    assert r.get_json() == {"stopped": True}
    assert db.people.find_one({"_id": "p1"})["unsubscribed"] == {"sms": True}
