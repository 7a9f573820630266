"""The public forms' defences and languages: CSRF, the honeypot, errors in the resident's language, the
initiatives' form, and a waitlisted resident told so on the confirmation page."""
import re

import requests

from tests.support import unique_email


def page_with_token(session, url):
    page = session.get(url)
    assert page.status_code == 200
    return page, re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def valid_form(token, email):
    return {"csrf_token": token, "name": "Mohamed Ouali", "email": email, "preferred_channel": "email",
            "consent_contact": "yes"}


def registrations_of(stack, meeting_id):
    return stack.get("registration", f"/api/v1/meetings/{meeting_id}/registrations",
                     headers=stack.organiser).json()["registrations"]


def test_a_form_post_without_a_valid_csrf_token_is_refused_and_nothing_is_stored(stack):
    meeting = stack.create_meeting()
    url = stack.url("registration", f"/meetings/{meeting['id']}/aanmelden")
    session = requests.Session()
    page_with_token(session, url)
    r = session.post(url, data=valid_form("forged", unique_email()))
    assert r.status_code == 400 and "verlopen" in r.text
    assert requests.post(url, data=valid_form("", unique_email())).status_code == 400
    assert registrations_of(stack, meeting["id"]) == []


def test_a_bot_filling_the_hidden_field_is_not_signed_up(stack):
    meeting = stack.create_meeting()
    url = stack.url("registration", f"/meetings/{meeting['id']}/aanmelden")
    session = requests.Session()
    _, token = page_with_token(session, url)
    r = session.post(url, data={**valid_form(token, unique_email()), "website": "http://spam.example"})
    assert r.status_code == 400
    assert registrations_of(stack, meeting["id"]) == []


def test_errors_come_in_english_on_the_english_form(stack):
    meeting = stack.create_meeting()
    url = stack.url("registration", f"/meetings/{meeting['id']}/aanmelden?lang=en")
    session = requests.Session()
    _, token = page_with_token(session, url)
    r = session.post(url, data={"csrf_token": token, "lang": "en", "name": "Ana", "preferred_channel": "sms",
                                "phone": "06-123"})
    assert r.status_code == 400
    assert "This is not a valid phone number" in r.text
    assert "We need your consent" in r.text
    assert 'lang="en"' in r.text


def test_a_full_evening_tells_the_resident_they_are_on_the_waiting_list(stack):
    meeting = stack.create_meeting(capacity=1)
    stack.sign_up(meeting["id"])
    url = stack.url("registration", f"/meetings/{meeting['id']}/aanmelden")
    session = requests.Session()
    _, token = page_with_token(session, url)
    r = session.post(url, data=valid_form(token, unique_email()))
    assert r.status_code == 200 and "/aanmelding/" in r.url
    assert "wachtlijst" in r.text
    assert re.search(r'id="registration-code"[^>]*>[A-Z2-9]{6}<', r.text)


def test_an_initiative_registers_through_its_form(stack):
    url = stack.url("registration", "/initiatieven/aanmelden")
    session = requests.Session()
    _, token = page_with_token(session, url)
    name = f"Inspiring Garden {unique_email()[:14]}"
    r = session.post(url, data={"csrf_token": token, "name": name, "description": "Samen tuinieren",
                                "area": "Delfshaven", "contact_name": "Ilse", "contact_email": unique_email(),
                                "themes": ["tuinieren"], "target_groups": ["iedereen"], "looking_for": ["ouderen"],
                                "role_0_title": "Tuinier", "role_0_capacity": "4"})
    assert r.status_code == 200 and "aangemeld" in r.text
    # Pending until an organiser approves it: not listed publicly, listed for organisers.
    assert not [i for i in stack.get("registration", "/api/v1/initiatives").json()["initiatives"]
                if i["name"] == name]
    listed = [i for i in stack.get("registration", "/api/v1/initiatives", headers=stack.organiser).json()[
        "initiatives"] if i["name"] == name]
    assert listed and listed[0]["roles"][0]["capacity"] == 4 and listed[0]["status"] == "pending"
    approved = stack.post("registration", f"/api/v1/initiatives/{listed[0]['id']}/approve", organiser=True)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert [i for i in stack.get("registration", "/api/v1/initiatives").json()["initiatives"] if i["name"] == name]


def test_signing_up_again_on_the_form_shows_a_neutral_page_in_the_residents_language(stack):
    meeting = stack.create_meeting()
    email = unique_email()
    first = stack.sign_up(meeting["id"], email=email)
    for lang, says in (("nl", "al aangemeld"), ("en", "already signed up")):
        url = stack.url("registration", f"/meetings/{meeting['id']}/aanmelden" + ("?lang=en" if lang == "en" else ""))
        session = requests.Session()
        _, token = page_with_token(session, url)
        r = session.post(url, data=valid_form(token, email.upper()))
        assert r.status_code == 200 and says in r.text and "/aanmelding/" not in r.url
        assert first["code"] not in r.text and first["registration_id"] not in r.text
    assert len(registrations_of(stack, meeting["id"])) == 1
