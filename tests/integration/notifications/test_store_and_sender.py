"""The delivery store and the sender against the real document store and dev mail server: one message per
delivery however often an event arrives or however many senders race for it."""
import datetime as dt
import threading
import uuid

import pytest
from pymongo import MongoClient

from notifications.adapters import email as email_adapter
from notifications.adapters import sms, store
from notifications.domain import model
from notifications.render import Renderer
from notifications.sender import Sender, Settings
from tests.support import unique_email, wait_until


@pytest.fixture()
def db(stack):
    client = MongoClient(stack.env.get("MONGODB_URI", "mongodb://127.0.0.1:27117/"), tz_aware=True)
    database = client[f"notifications_it_{uuid.uuid4().hex[:8]}"]  # not the worker's: it must not send these
    store.ensure_indexes(database)
    yield database
    client.drop_database(database.name)
    client.close()


def confirmation(person_id="p1", meeting_id="m1", registration_id=None):
    registration_id = registration_id or uuid.uuid4().hex
    return store.new_delivery(model.delivery_id(model.CONFIRMATION, registration_id), model.CONFIRMATION,
                              person_id=person_id, meeting_id=meeting_id, channel="email", event_at=None,
                              registration_id=registration_id)


def test_recording_the_same_delivery_three_times_keeps_one(db):
    delivery = confirmation()
    assert [store.record(db, [dict(delivery)]) for _ in range(3)] == [1, 0, 0]
    assert [d["_id"] for d in store.deliveries(db, "p1", None)] == [delivery["_id"]]
    assert [d["_id"] for d in store.deliveries(db, "p1", "m1")] == [delivery["_id"]]
    assert store.deliveries(db, "p1", "another evening") == []
    _urgent, due = store.due(db, 10)
    assert [d["_id"] for d in due] == [delivery["_id"]]


def test_racing_senders_claim_each_delivery_exactly_once(db):
    deliveries = [confirmation() for _ in range(40)]
    store.record(db, deliveries)
    _urgent, entries = store.due(db, 100)
    wins: dict[str, list[int]] = {}

    def race(me):
        for entry in entries:
            if store.claim(db, entry, 30, f"sender-{me}"):
                wins.setdefault(entry["_id"], []).append(me)

    threads = [threading.Thread(target=race, args=(i,)) for i in range(6)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(wins) == sorted(d["_id"] for d in deliveries)
    assert all(len(owners) == 1 for owners in wins.values())


def test_a_dead_senders_claim_is_taken_over_only_after_its_lease(db):
    store.record(db, [confirmation()])
    _urgent, [entry] = store.due(db, 10)
    assert store.claim(db, entry, 0.3, "killed") is not None
    assert store.claim(db, entry, 30, "other") is None
    wait_until(lambda: store.claim(db, entry, 30, "other"), 5, message="the expired claim taken over")


def test_a_delivery_marked_sent_is_never_claimed_again_and_a_refusal_after_the_mark_retries_it(db):
    store.record(db, [confirmation(), confirmation()])
    _urgent, entries = store.due(db, 10)
    (sent, sent_doc), (refused, refused_doc) = [store.claim(db, e, 0.2, "killed") for e in entries]
    store.mark_sent(db, sent, store.sent_mark("email"))  # then SIGKILLed: the lease runs out, the mark stays
    store.mark_sent(db, refused, store.sent_mark("email"))
    store.retry_later(db, refused, store.now(), "451 try again", attempted=True, was_marked=True)
    wait_until(lambda: not any(c.remaining_s() > 0 for c in (sent, refused)), 5, message="the leases ran out")
    assert [e["_id"] for e in store.due(db, 10)[1]] == [refused.delivery_id]
    assert store.claim(db, {"_id": sent.delivery_id, "lane": store.DUE}, 30, "other") is None
    assert store.delivery(db, sent.delivery_id)["status"] == "sent"
    again = store.delivery(db, refused.delivery_id)
    assert (again["status"], again["attempts"], again["reason"]) == ("pending", 1, "451 try again")


def test_an_erased_person_is_not_brought_back_by_a_late_event(db):
    store.upsert_people(db, [("p1", {"name": "Amira", "email": "amira@example.org"})])
    store.record(db, [confirmation(person_id="p1")])
    store.erase_person(db, "p1")
    store.upsert_people(db, [("p1", {"name": "Amira", "email": "amira@example.org"})])
    assert "email" not in store.person(db, "p1") and store.person(db, "p1")["erased"]
    assert store.deliveries(db, "p1", None) == []
    [erased] = list(db.deliveries.find({"erased": True}))
    assert erased["status"] == "suppressed" and store.due(db, 10) == ([], [])


def test_a_reminder_waits_in_the_lane_of_its_day_until_it_falls_due(db):
    tomorrow = store.now() + dt.timedelta(days=1)
    reminder = store.new_delivery("r1", model.REMINDER, person_id="p1", meeting_id="m1", channel=None, event_at=None,
                                  due_at=tomorrow)
    store.record(db, [reminder])
    assert store.due(db, 10) == ([], [])
    [waiting] = store.waiting_later(db, [tomorrow.date()])
    assert store.promote(db, [waiting]) == 0  # not within the horizon yet
    db.deliveries.update_one({"_id": "r1"}, {"$set": {"due_at": store.now()}})  # time passes
    assert store.promote(db, store.waiting_later(db, [tomorrow.date()])) == 1
    assert [e["_id"] for e in store.due(db, 10)[1]] == ["r1"]


def settings(**kw):
    return Settings(mail_from="Wijkkracht <noreply@wijkkracht.nl>", message_id_domain="wijkkracht.nl",
                    sms_sender="Wijkkracht", public_base_url="http://127.0.0.1:8003", secret_key="test",
                    retry_base_s=0.05, retry_cap_s=0.2, quiet=(0, 0), **kw)


def test_senders_side_by_side_deliver_every_confirmation_once_to_the_mail_server(db, stack):
    db.meetings.insert_one({"_id": "m1", "title": "Wijkkracht Noord", "venue": "de Banier", "area": "Noord",
                            "starts_at": dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=5)})
    addresses = [unique_email("claim") for _ in range(30)]
    for i, address in enumerate(addresses):
        db.people.insert_one({"_id": f"p{i}", "name": "Amira", "email": address, "preferred_channel": "email",
                              "language": "nl"})
    store.record(db, [confirmation(person_id=f"p{i}") for i in range(len(addresses))])
    renderer = Renderer()
    smtp = stack.env.get("SMTP_HOST", "127.0.0.1"), int(stack.env.get("SMTP_PORT", 2525))
    senders = [Sender(db, renderer, email_adapter.SmtpTransport(*smtp),
                      sms.DevGatewayTransport(stack.env["SMS_GATEWAY_URL"]), settings()) for _ in range(3)]
    stopping = threading.Event()
    threads = [threading.Thread(target=s.run, args=(stopping,)) for s in senders]
    [t.start() for t in threads]
    try:
        wait_until(lambda: db.deliveries.count_documents({"status": "sent"}) == len(addresses), 60,
                   message="all marked sent")
    finally:
        stopping.set()
        [t.join() for t in threads]
    received = {a: len(stack.mail(to=a)) for a in addresses}
    assert set(received.values()) == {1}, received
    assert store.due(db, 100) == ([], [])


def test_a_gateway_400_fails_the_delivery_with_the_reason_and_is_not_retried(db, stack):
    phone_ok, phone_bad = "+3161" + uuid.uuid4().hex[:7].translate(str.maketrans("abcdef", "123456")), "+31"
    db.people.insert_many([
        {"_id": "ok", "name": "Kees", "phone": phone_ok, "preferred_channel": "sms", "language": "nl"},
        {"_id": "bad", "name": "Kees", "phone": phone_bad, "preferred_channel": "sms", "language": "nl"}])
    colour = {"colour": "groen", "table": 3}
    store.record(db, [store.new_delivery(model.delivery_id("colour", pid), "colour", person_id=pid, meeting_id=None,
                                         channel="sms", event_at=None, data=colour) for pid in ("ok", "bad")])
    sender = Sender(db, Renderer(), email_adapter.SmtpTransport("127.0.0.1", 1),
                    sms.DevGatewayTransport(stack.env["SMS_GATEWAY_URL"]), settings(wait_for_context_s=0.5))

    def settled():
        sender.run_once()
        return db.deliveries.count_documents({"status": {"$in": ["sent", "failed"]}}) == 2

    wait_until(settled, 30, message="both settled")
    bad = db.deliveries.find_one({"person_id": "bad"})
    assert bad["status"] == "failed" and "400" in bad["reason"] and bad["attempts"] == 1
    assert stack.sms(to=phone_ok)[0]["body"].endswith("Jouw kleur: GROEN, tafel 3")


def test_a_run_of_sign_ups_is_recorded_as_one_by_one_would_be(db):
    """The consumer hands over a queue of sign-ups together (handlers.RUN_HANDLERS): each gets its
    confirmation and reminder, a walk-in neither, the same person twice keeps the later details, and someone
    erased before their event arrived stays a tombstone with nothing recorded."""
    from types import SimpleNamespace

    from notifications import handlers
    from tests.integration.notifications import events as ev
    from wijkkracht.events import parse_event

    meeting = "m-run"
    erased = ev.registration_created(meeting, name="Weg")
    store.erase_person(db, erased["payload"]["person_id"])
    first = ev.registration_created(meeting, name="Amira")
    again = ev.registration_created(meeting, name="Amira B.", email="amira.b@example.org")
    again["payload"]["person_id"] = first["payload"]["person_id"]  # the same person, at another evening say
    walk_in = ev.registration_created(meeting, name="Kees")
    walk_in["payload"]["walk_in"] = True
    woken = []
    runtime = SimpleNamespace(db=db, wake_senders=woken.append)
    handlers.registrations_created([parse_event(e) for e in (erased, first, again, walk_in)], runtime)

    def recorded(envelope):
        return sorted(d["kind"] for d in db.deliveries.find({"registration_id": envelope["payload"]["registration_id"]}))

    assert recorded(first) == recorded(again) == ["confirmation", "reminder"]
    assert recorded(walk_in) == [] and recorded(erased) == []
    assert store.person(db, first["payload"]["person_id"])["name"] == "Amira B."
    assert store.person(db, walk_in["payload"]["person_id"])["name"] == "Kees"
    assert store.is_erased(db, erased["payload"]["person_id"])
    assert "name" not in store.person(db, erased["payload"]["person_id"])
    assert store.registration(db, erased["payload"]["registration_id"]) is None
    assert woken == [4]  # one wake-up for the four new deliveries
