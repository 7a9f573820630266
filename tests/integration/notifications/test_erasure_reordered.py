"""Erasure holds in the running notifications worker: ``person.erased`` overtaking the person's own
``registration.created`` (another partition: it is keyed by the person), and their later events, records
nothing about them and sends them nothing."""
from pymongo import MongoClient

from notifications.adapters import store
from tests.integration.notifications import events as ev
from tests.support import unique_email, wait_until
from wijkkracht.events import new_event


def test_person_erased_overtaking_their_sign_up_sends_and_keeps_nothing(stack):
    client = MongoClient(stack.env.get("MONGODB_URI", "mongodb://127.0.0.1:27117/"), tz_aware=True)
    db = client["notifications"]
    producer = ev.producer(stack)
    try:
        meeting = ev.meeting_scheduled()
        meeting_id = meeting["payload"]["meeting_id"]
        address, marker_address = unique_email("gewist"), unique_email("marker")
        signup = ev.registration_created(meeting_id, email=address)
        person_id = signup["payload"]["person_id"]
        ev.publish(producer, new_event("person.erased", {"person_id": person_id}, key=person_id,
                                       producer="registration"))
        wait_until(lambda: store.is_erased(db, person_id), 30, message="the tombstone")

        marker = ev.registration_created(meeting_id, email=marker_address)
        ev.publish(producer, meeting, signup, ev.colour_assigned(meeting_id, person_id), marker)
        # The marker follows on the evening's partition: once its confirmation is out, the rest was handled.
        wait_until(lambda: [d for d in ev.deliveries(stack, person_id=marker["payload"]["person_id"])
                            if d["status"] == "sent"], 60, message="the marker's confirmation")

        assert ev.deliveries(stack, person_id=person_id) == []
        assert db.registrations.find_one({"_id": signup["payload"]["registration_id"]}) is None
        person = db.people.find_one({"_id": person_id})
        assert person["erased"] is True and "email" not in person and "name" not in person
        assert stack.mail(to=address) == []
        print("erasure overtaken: 1 erased, 0 deliveries recorded, 0 messages sent")
    finally:
        producer.close()
        client.close()
