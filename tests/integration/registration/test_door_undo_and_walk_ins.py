"""At the door: a check-in done by mistake is taken back (participant.checkin_undone, the colour forgotten, the
person can be checked in again), and a walk-in is asked both consent questions before they are checked in."""
import re
import uuid

import requests

from tests.integration.registration.kafka_events import TopicReader
from tests.integration.registration.test_registration_door import (csrf, logged_in, organiser_login,  # noqa: F401
                                                                    publish_colour)
from tests.support import unique_email, wait_until

JSON = {"Accept": "application/json"}


def checkins(stack, meeting_id: str) -> list[dict]:
    return stack.get("registration", f"/api/v1/meetings/{meeting_id}/checkins", headers=stack.organiser
                     ).json()["checkins"]


def test_an_organiser_undoes_a_check_in_and_matching_hears_of_it(stack):
    meeting = stack.create_meeting()
    resident = stack.sign_up(meeting["id"], name="Mohamed Bouali", email=unique_email())
    url = f"/api/v1/meetings/{meeting['id']}/checkins"
    reader = TopicReader()
    try:
        assert stack.post("registration", url, {"registration_id": resident["registration_id"]},
                          organiser=True).status_code == 201
        publish_colour(meeting["id"], resident["person_id"], "blauw", 2)
        wait_until(lambda: stack.get("registration", f"{url}/{resident['person_id']}",
                                     headers=stack.organiser).json()["colour"], message="the colour at the door")

        assert stack.http.delete(stack.url("registration", f"{url}/{resident['person_id']}")).status_code == 401
        undone = stack.http.delete(stack.url("registration", f"{url}/{resident['person_id']}"),
                                   headers=stack.organiser)
        assert undone.status_code == 200 and undone.json() == {"person_id": resident["person_id"], "checked_in": False}

        [event] = reader.wait_for(lambda e: e["type"] == "participant.checkin_undone"
                                  and e["payload"]["person_id"] == resident["person_id"], what="checkin_undone",
                                  timeout_s=180)  # the reader starts at the topic's beginning
        assert event["payload"] == {"meeting_id": meeting["id"], "person_id": resident["person_id"]}
        assert event["key"] == meeting["id"]

        # Not here any more: not among the arrivals, not counted, no colour kept, not checked in at the search.
        assert checkins(stack, meeting["id"]) == []
        assert stack.get("registration", f"/api/v1/meetings/{meeting['id']}").json()["checked_in"] == 0
        assert stack.get("registration", f"{url}/{resident['person_id']}", headers=stack.organiser).status_code == 404
        export = stack.get("registration", f"/api/v1/people/{resident['person_id']}/export", headers=stack.organiser)
        assert export.json()["colours"] == []
        [kept] = export.json()["checkins"]  # what was kept of the mistaken check-in is theirs to see
        assert kept["undone_at"] is not None
        [found] = stack.get("registration", f"/api/v1/meetings/{meeting['id']}/registrations",
                            params={"q": "bouali"}, headers=stack.organiser).json()["registrations"]
        assert found["checked_in"] is False
        again = stack.http.delete(stack.url("registration", f"{url}/{resident['person_id']}"),
                                  headers=stack.organiser)
        assert again.status_code == 404

        # They do arrive after all: checked in again, a new participant.checked_in.
        back = stack.post("registration", url, {"registration_id": resident["registration_id"]}, organiser=True)
        assert back.status_code == 201
        assert [c["person_id"] for c in checkins(stack, meeting["id"])] == [resident["person_id"]]
        arrived = lambda e: (e["type"] == "participant.checked_in"  # noqa: E731
                             and e["payload"]["person_id"] == resident["person_id"])
        reader.wait_for(lambda _: len([e for e in reader.events if arrived(e)]) == 2, what="checked in again",
                        timeout_s=180)
    finally:
        reader.close()


def test_the_door_page_undoes_a_check_in(stack, organiser_login):  # noqa: F811
    meeting = stack.create_meeting()
    resident = stack.sign_up(meeting["id"], name="Ingrid Visser", email=unique_email())
    session = logged_in(stack, organiser_login)
    page = session.get(stack.url("registration", f"/deur/{meeting['id']}"))
    token = csrf(page.text)
    checked = session.post(stack.url("registration", f"/deur/{meeting['id']}/inchecken"), headers=JSON,
                           data={"csrf_token": token, "registration_id": resident["registration_id"]})
    assert checked.status_code == 200 and checked.json()["message"] == "Ingecheckt: Ingrid Visser"
    door = session.get(stack.url("registration", f"/deur/{meeting['id']}"))
    assert "Inchecken ongedaan maken" in door.text and f'data-person="{resident["person_id"]}"' in door.text

    undo = session.post(stack.url("registration", f"/deur/{meeting['id']}/ongedaan/{resident['person_id']}"),
                        data={"csrf_token": token})
    assert undo.status_code == 200 and "Inchecken ongedaan gemaakt: Ingrid Visser" in undo.text
    assert f'data-person="{resident["person_id"]}"' not in undo.text
    twice = session.post(stack.url("registration", f"/deur/{meeting['id']}/ongedaan/{resident['person_id']}"),
                         headers=JSON, data={"csrf_token": token})
    assert twice.status_code == 409 and twice.json()["message"] == "Deze persoon is niet ingecheckt."
    forged = session.post(stack.url("registration", f"/deur/{meeting['id']}/ongedaan/{resident['person_id']}"),
                          data={"csrf_token": "forged"})
    assert forged.status_code == 400
    assert requests.post(stack.url("registration", f"/deur/{meeting['id']}/ongedaan/{resident['person_id']}"),
                         allow_redirects=False).status_code == 302  # to the login


def walk_in(session, stack, meeting_id, token, lang=None, **fields):
    params = {"lang": lang} if lang else {}
    return session.post(stack.url("registration", f"/deur/{meeting_id}/binnenloper"), params=params,
                        data={"csrf_token": token, **fields})


def error_of(html: str, field: str) -> str:
    found = re.search(rf'id="{field}-error">(.*?)</p>', html, re.S)
    return found.group(1).strip() if found else ""


def test_a_walk_in_is_checked_in_only_once_both_consent_questions_are_answered(stack, organiser_login):  # noqa: F811
    meeting = stack.create_meeting()
    session = logged_in(stack, organiser_login)
    token = csrf(session.get(stack.url("registration", f"/deur/{meeting['id']}")).text)
    r = walk_in(session, stack, meeting["id"], token, name="Esra Kaya", phone="06 1122 3344")
    assert r.status_code == 400
    assert error_of(r.text, "consent_contact") == "Kies ja of nee: mogen we berichten sturen?"
    assert error_of(r.text, "consent_share") == "Kies ja of nee: mogen initiatieven de gegevens krijgen?"
    assert 'value="Esra Kaya"' in r.text  # what was typed stays
    assert checkins(stack, meeting["id"]) == []
    en = walk_in(session, stack, meeting["id"], token, lang="en", name="Esra Kaya", consent_contact="yes")
    assert en.status_code == 400 and error_of(en.text, "consent_share") == ("Choose yes or no: may initiatives get "
                                                                           "the details?")
    assert not error_of(en.text, "consent_contact")


def test_a_walk_in_who_says_yes_is_kept_with_their_answers(stack, organiser_login):  # noqa: F811
    meeting = stack.create_meeting()
    session = logged_in(stack, organiser_login)
    token = csrf(session.get(stack.url("registration", f"/deur/{meeting['id']}")).text)
    phone = "061" + str(uuid.uuid4().int)[:7]  # a number of its own: the same one would be the same person
    r = walk_in(session, stack, meeting["id"], token, name="Bram Dekker", phone=phone,
                consent_contact="yes", consent_share="yes")
    assert r.status_code == 200 and "Ingecheckt: Bram Dekker" in r.text
    [arrival] = checkins(stack, meeting["id"])
    assert arrival["walk_in"] is True
    [registration] = [r for r in stack.get("registration", f"/api/v1/people/{arrival['person_id']}/export",
                                           headers=stack.organiser).json()["registrations"]
                      if r["meeting_id"] == meeting["id"]]
    assert registration["consent"] == {"contact": True, "share_with_initiatives": True}
    assert registration["phone"] == "+31" + phone[1:] and registration["preferred_channel"] == "sms"
    found = stack.get("registration", f"/api/v1/meetings/{meeting['id']}/registrations", params={"q": phone[-4:]},
                      headers=stack.organiser).json()["registrations"]
    assert [f["name"] for f in found] == ["Bram Dekker"] and found[0]["checked_in"] is True


def test_a_walk_in_who_says_no_to_messages_leaves_no_phone_or_email(stack, organiser_login):  # noqa: F811
    meeting = stack.create_meeting()
    session = logged_in(stack, organiser_login)
    token = csrf(session.get(stack.url("registration", f"/deur/{meeting['id']}")).text)
    r = walk_in(session, stack, meeting["id"], token, name="Femke Smit", phone="06 9988 7766",
                email=unique_email(), consent_contact="no", consent_share="no")
    assert r.status_code == 200 and "Ingecheckt: Femke Smit" in r.text
    [arrival] = checkins(stack, meeting["id"])
    [registration] = [r for r in stack.get("registration", f"/api/v1/people/{arrival['person_id']}/export",
                                           headers=stack.organiser).json()["registrations"]
                      if r["meeting_id"] == meeting["id"]]
    assert registration["consent"] == {"contact": False, "share_with_initiatives": False}
    assert registration["phone"] is None and registration["email"] is None
    assert stack.get("registration", f"/api/v1/meetings/{meeting['id']}/registrations", params={"q": "7766"},
                     headers=stack.organiser).json()["registrations"] == []
