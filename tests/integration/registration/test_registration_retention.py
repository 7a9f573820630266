"""Retention: once an evening is RETENTION_DAYS past, its residents' personal data is removed from the
registration store and each is erased with person.erased, unless they come to a later evening."""
import pytest
from wijkkracht import mongo

from registration import handlers
from registration.adapters.store import Store
from tests.integration.registration.kafka_events import TopicReader
from tests.support import stack_env, unique_email


@pytest.fixture
def store():
    env = stack_env()
    client = mongo.MongoClient(env.get("MONGODB_URI", "mongodb://127.0.0.1:27117/"), tz_aware=True,
                               serverSelectionTimeoutMS=5000)
    yield Store(client[env.get("REGISTRATION_MONGODB_DATABASE", "registration")])
    client.close()


def test_personal_data_of_a_long_past_evening_is_removed_and_everyone_is_told(stack, store):
    past = stack.create_meeting(title="Wijkkracht Centrum 2024", starts_at="2024-03-01T19:00:00+01:00")
    upcoming = stack.create_meeting(title="Wijkkracht Noord")
    gone_email, staying_email = unique_email(), unique_email()
    gone = stack.sign_up(past["id"], name="Anna Jansen", email=gone_email)
    staying = stack.sign_up(past["id"], name="Bram de Wit", email=staying_email)
    stack.sign_up(upcoming["id"], name="Bram de Wit", email=staying_email)
    reader = TopicReader()
    try:
        removed = handlers.apply_retention(store, retention_days=365)
        assert removed >= 2
        export = stack.get("registration", f"/api/v1/people/{gone['person_id']}/export", headers=stack.organiser)
        assert export.json()["erased"] is True and gone_email not in str(export.json())
        reader.wait_for(lambda e: e["type"] == "person.erased" and e["payload"]["person_id"] == gone["person_id"],
                        what="person.erased")
        # Bram is still coming to the next evening: his old registration is anonymised, he is not erased.
        kept = stack.get("registration", f"/api/v1/people/{staying['person_id']}/export",
                         headers=stack.organiser).json()
        assert kept["erased"] is False
        by_meeting = {r["meeting_id"]: r for r in kept["registrations"]}
        assert by_meeting[past["id"]]["email"] is None
        assert by_meeting[upcoming["id"]]["email"] == staying_email
        # Applying it again changes nothing.
        again = stack.get("registration", f"/api/v1/people/{gone['person_id']}/export", headers=stack.organiser)
        assert again.json()["erased"] is True
    finally:
        reader.close()
