"""The door: a volunteer logs in, finds a resident by name or code, checks them in, and sees the colour
that matching assigned appear beside the arrival; participant.checked_in leaves on Kafka."""
import os
import re
import subprocess
import sys
import uuid

import pytest
import requests
from kafka import KafkaProducer
from wijkkracht import config, topics
from wijkkracht.events import new_event

from tests.integration.registration.kafka_events import TopicReader
from tests.support import unique_email, wait_until


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture(scope="module")
def organiser_login(stack):
    """An organiser account made with the CLI, as an operator would."""
    email = f"deur.{uuid.uuid4().hex[:8]}@example.org"
    password = "een-lang-wachtwoord"
    done = subprocess.run([sys.executable, "-m", "registration.cli", "create-organiser", email],
                          input=password + "\n", capture_output=True, text=True, env=os.environ, timeout=60)
    assert done.returncode == 0, done.stderr
    return email, password


def logged_in(stack, organiser_login) -> requests.Session:
    email, password = organiser_login
    session = requests.Session()
    page = session.get(stack.url("registration", "/inloggen"))
    r = session.post(stack.url("registration", "/inloggen"),
                     data={"csrf_token": csrf(page.text), "email": email, "password": password})
    assert r.status_code == 200 and "/organisator" in r.url
    return session


def publish_colour(meeting_id, person_id, colour, table):
    producer = KafkaProducer(bootstrap_servers=config.kafka_bootstrap_servers(),
                             value_serializer=lambda v: __import__("json").dumps(v).encode(),
                             key_serializer=lambda k: k.encode())
    event = new_event("colour.assigned", {"meeting_id": meeting_id, "person_id": person_id, "colour": colour,
                                          "table": table}, key=meeting_id, producer="matching")
    producer.send(topics.MATCHING, key=meeting_id, value=event).get(timeout=30)
    producer.close()


def test_a_wrong_password_is_refused_and_repeated_failures_are_throttled(stack, organiser_login):
    email, _ = organiser_login
    session = requests.Session()
    statuses = []
    for _ in range(7):
        page = session.get(stack.url("registration", "/inloggen"))
        statuses.append(session.post(stack.url("registration", "/inloggen"),
                                     data={"csrf_token": csrf(page.text), "email": "x" + email,
                                           "password": "fout"}).status_code)
    assert statuses[0] == 401
    assert statuses[-1] == 429
    assert stack.get("registration", "/organisator", allow_redirects=False).status_code == 302


def test_check_in_by_code_at_the_door_and_the_colour_appears(stack, organiser_login):
    meeting = stack.create_meeting()
    resident = stack.sign_up(meeting["id"], name="Samira Bakkali", email=unique_email())
    session = logged_in(stack, organiser_login)
    reader = TopicReader()
    try:
        door = session.get(stack.url("registration", f"/deur/{meeting['id']}"))
        assert door.status_code == 200
        found = session.post(stack.url("registration", f"/deur/{meeting['id']}/zoeken"),
                             data={"csrf_token": csrf(door.text), "q": resident["code"].lower()})
        assert "Samira Bakkali" in found.text
        by_name = session.post(stack.url("registration", f"/deur/{meeting['id']}/zoeken"),
                               data={"csrf_token": csrf(door.text), "q": "bakk"})
        assert "Samira Bakkali" in by_name.text
        checked = session.post(stack.url("registration", f"/deur/{meeting['id']}/inchecken"),
                               data={"csrf_token": csrf(door.text), "registration_id": resident["registration_id"]})
        assert checked.status_code == 200 and "Ingecheckt: Samira Bakkali" in checked.text

        [event] = reader.wait_for(lambda e: e["type"] == "participant.checked_in"
                                  and e["payload"]["person_id"] == resident["person_id"], what="participant.checked_in")
        assert event["payload"]["meeting_id"] == meeting["id"]

        publish_colour(meeting["id"], resident["person_id"], "groen", 3)
        arrivals_url = stack.url("registration", f"/deur/{meeting['id']}/aankomsten.json")
        arrival = wait_until(lambda: [a for a in session.get(arrivals_url).json()["arrivals"]
                                      if a["person_id"] == resident["person_id"] and a["colour"]],
                             message="the colour at the door")[0]
        assert arrival["name"] == "Samira Bakkali" and arrival["table"] is not None
        # The door and the API read the same colour (matching's own may still replace the one published here).
        colour_url = f"/api/v1/meetings/{meeting['id']}/checkins/{resident['person_id']}"
        wait_until(lambda: stack.get("registration", colour_url, headers=stack.organiser).json()["colour"]
                   in [a["colour"] for a in session.get(arrivals_url).json()["arrivals"]
                       if a["person_id"] == resident["person_id"]], message="the same colour at the door and API")
    finally:
        reader.close()


def test_a_walk_in_is_signed_up_and_checked_in_in_one_step(stack, organiser_login):
    meeting = stack.create_meeting()
    session = logged_in(stack, organiser_login)
    door = session.get(stack.url("registration", f"/deur/{meeting['id']}"))
    r = session.post(stack.url("registration", f"/deur/{meeting['id']}/binnenloper"),
                     data={"csrf_token": csrf(door.text), "name": "Kees de Vries", "phone": "06 8765 4321",
                           "consent_contact": "yes", "consent_share": "no"})
    assert r.status_code == 200 and "Kees de Vries" in r.text
    checkins = stack.get("registration", f"/api/v1/meetings/{meeting['id']}/checkins", headers=stack.organiser)
    [arrival] = checkins.json()["checkins"]
    assert arrival["walk_in"] is True


def test_the_api_checks_in_by_registration_and_a_second_check_in_changes_nothing(stack):
    meeting = stack.create_meeting()
    resident = stack.sign_up(meeting["id"])
    url = f"/api/v1/meetings/{meeting['id']}/checkins"
    first = stack.post("registration", url, {"registration_id": resident["registration_id"]}, organiser=True)
    again = stack.post("registration", url, {"registration_id": resident["registration_id"]}, organiser=True)
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["person_id"] == again.json()["person_id"] == resident["person_id"]
    assert stack.get("registration", f"{url}/{resident['person_id']}").status_code == 401  # it names a person
    pending = stack.get("registration", f"{url}/{resident['person_id']}", headers=stack.organiser)
    assert pending.status_code == 200 and set(pending.json()) >= {"person_id", "colour", "table"}
