"""The initiatives' form over HTTP: roles with their own themes (as many as needed, "add a role" without
JavaScript keeping what was typed), errors that name the field in nl and en, a contact by email or by phone
alone (the API too), and the confirmation page that shows what was registered but never the page's link."""
import html
import re
import uuid

import pytest
import requests

from tests.support import unique_email

PATH = "/initiatieven/aanmelden"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SUMMARY = re.compile(r'<li><a href="#([a-z0-9_]+)">([^<]+)</a></li>')
FOUR_ROLES = [("Kok", ["koken"], "3"), ("Chauffeur", ["zorg", "ontmoeting"], "2"),
              ("Taalmaatje", ["taal", "educatie"], "5"), ("Tuinier", ["tuinieren"], "")]


def opened(stack, lang="nl"):
    session = requests.Session()
    page = session.get(stack.url("registration", PATH + ("?lang=en" if lang == "en" else "")), timeout=30)
    assert page.status_code == 200
    return session, CSRF.search(page.text).group(1)


def post(stack, session, data: dict, lang="nl"):
    return session.post(stack.url("registration", PATH), data={**data, "lang": lang}, timeout=30)


def four_role_form(token: str, name: str) -> dict:
    data = {"csrf_token": token, "name": name, "description": "Samen koken en eten met buren",
            "area": "Delfshaven", "contact_name": "Ilse de Boer", "contact_email": unique_email("initiatief"),
            "target_groups": ["ouderen", "nieuwkomers"], "themes": ["koken", "ontmoeting"],
            "looking_for": ["jongeren", "koken"], "pitch": "yes", "role_rows": "4"}
    for n, (title, themes, capacity) in enumerate(FOUR_ROLES):
        data.update({f"role_{n}_title": title, f"role_{n}_description": f"{title} op woensdag",
                     f"role_{n}_themes": themes, f"role_{n}_capacity": capacity})
    return data


def stored(stack, name: str) -> dict:
    listed = [i for i in stack.get("registration", "/api/v1/initiatives", headers=stack.organiser).json()[
        "initiatives"] if i["name"] == name]
    assert len(listed) == 1, listed
    found = stack.get("registration", f"/api/v1/initiatives/{listed[0]['id']}", headers=stack.organiser)
    assert found.status_code == 200
    return found.json()


def summary(page: str) -> dict[str, str]:
    return {anchor: html.unescape(line) for anchor, line in SUMMARY.findall(page)}


def test_four_roles_each_with_its_themes_are_registered_and_summarised(stack):
    session, token = opened(stack)
    name = f"Eetcafé De Buren {uuid.uuid4().hex[:8]}"
    r = post(stack, session, four_role_form(token, name))
    assert r.status_code == 200 and "/initiatieven/aangemeld/" in r.url, (r.status_code, r.url)
    page = html.unescape(r.text)
    assert "Dank je wel! Jullie initiatief is aangemeld." in page and name in page
    assert "Wacht op controle" in page and "een e-mail gestuurd" in page
    assert "/initiatief/" not in page, "the page's link goes to the contact only"

    doc = stored(stack, name)
    assert doc["status"] == "pending" and doc["pitch"] is True and doc["language"] == "nl"
    assert doc["target_groups"] == ["ouderen", "nieuwkomers"] and doc["themes"] == ["koken", "ontmoeting"]
    assert doc["looking_for"] == ["jongeren", "koken"]
    assert [(r["title"], r["themes"], r["capacity"]) for r in doc["roles"]] == [
        (title, themes, int(capacity or 1)) for title, themes, capacity in FOUR_ROLES]
    assert re.search(rf'id="initiative-reference">{doc["id"][:8].upper()}<', r.text)
    for title, themes, _ in FOUR_ROLES:
        assert f"<h3>{title}</h3>" in r.text
    assert "Zorg, Ontmoeting" in page and "Taal, Educatie" in page


def test_a_role_row_left_empty_is_left_out_and_a_later_row_keeps_its_number(stack):
    session, token = opened(stack)
    name = f"Repair Café {uuid.uuid4().hex[:8]}"
    r = post(stack, session, {"csrf_token": token, "name": name, "contact_name": "Sem",
                              "contact_email": unique_email("repair"), "role_rows": "3",
                              "role_2_title": "Fietsenmaker", "role_2_themes": "repareren"})
    assert "/initiatieven/aangemeld/" in r.url
    assert [(r["title"], r["themes"]) for r in stored(stack, name)["roles"]] == [("Fietsenmaker", ["repareren"])]

    # An error in a later row is on that row, named by its own number.
    r = post(stack, session, {"csrf_token": token, "name": name, "contact_name": "Sem",
                              "contact_email": unique_email("repair"), "role_rows": "3",
                              "role_2_description": "Fietsen maken", "role_2_capacity": "nul"})
    assert r.status_code == 400
    lines = summary(r.text)
    assert lines["role_2_title"] == "Rol 3 – titel: Vul een titel in."
    assert lines["role_2_capacity"] == "Rol 3 – aantal vrijwilligers: Vul een aantal in van 1 tot 1000."
    assert 'id="role_2_title-error"' in r.text and 'id="role_0_title-error"' not in r.text


def test_add_a_role_shows_one_more_row_and_keeps_everything_typed_without_errors(stack):
    session, token = opened(stack)
    typed = {"csrf_token": token, "name": "Buurtkeuken", "contact_email": "niet-af", "role_rows": "2",
             "role_0_title": "Kok", "role_0_description": "Koken op vrijdag", "role_0_themes": ["koken", "zorg"],
             "role_0_capacity": "4", "role_1_title": "Afwasser", "themes": "koken", "target_groups": "ouderen",
             "looking_for": ["jongeren", "taal"], "pitch": "yes", "description": "Eten voor de buurt"}
    r = post(stack, session, {**typed, "add_role": "1"})
    assert r.status_code == 200 and "/aanmelden" in r.url
    assert 'class="summary"' not in r.text and 'class="error"' not in r.text, "no errors for adding a role"
    assert 'name="role_2_title"' in r.text and 'name="role_3_title"' not in r.text
    assert re.search(r'id="role_2_title"[^>]*autofocus', r.text), "the new row's title has the focus"
    assert 'name="role_rows" value="3"' in r.text and "Rol 3 is toegevoegd." in r.text
    for field in ("name", "contact_email", "role_0_title", "role_0_capacity", "role_1_title"):
        assert re.search(rf'id="{field}" name="{field}" type="[a-z]+" value="{re.escape(typed[field])}"', r.text), field
    assert ">Koken op vrijdag</textarea>" in r.text and ">Eten voor de buurt</textarea>" in r.text
    for box in ("role_0_themes-koken", "role_0_themes-zorg", "theme-koken", "for-ouderen", "looking-jongeren",
                "looking-taal", "pitch"):
        assert re.search(rf'id="{box}" [^>]*checked', r.text), box
    assert not re.search(r'id="role_0_themes-taal" [^>]*checked', r.text)

    again = post(stack, session, {**typed, "role_rows": "3", "add_role": "1"})
    assert 'name="role_3_title"' in again.text and 'name="role_rows" value="4"' in again.text


def test_the_language_switch_keeps_the_rows_and_what_was_typed(stack):
    session, token = opened(stack)
    r = post(stack, session, {"csrf_token": token, "name": "Buurtkeuken", "role_rows": "3",
                              "role_2_title": "Chauffeur", "switch_lang": "en"})
    assert r.status_code == 200 and '<html lang="en">' in r.text and 'class="summary"' not in r.text
    assert 'value="Chauffeur"' in r.text and 'name="role_rows" value="3"' in r.text
    assert "Add a role" in r.text and "Who are you looking for?" in r.text


@pytest.mark.parametrize("lang, says", [
    ("nl", {"name": "Naam van het initiatief: Vul de naam van jullie initiatief in.",
            "contact_name": "Contactpersoon – naam: Vul de naam van de contactpersoon in.",
            "contact_email": "Contactpersoon – e-mailadres, Contactpersoon – mobiel nummer: Vul een e-mailadres "
                             "in, of een mobiel nummer als je geen e-mail hebt.",
            "role_1_title": "Rol 2 – titel: Vul een titel in."}),
    ("en", {"name": "Name of the initiative: Fill in the name of your initiative.",
            "contact_name": "Contact person – name: Fill in the contact person's name.",
            "contact_email": "Contact person – email address, Contact person – mobile number: Give an email "
                             "address, or a mobile number if you have no email.",
            "role_1_title": "Role 2 – title: Fill in a title."}),
])
def test_a_missing_name_and_contact_are_named_and_explained_in_the_forms_language(stack, lang, says):
    session, token = opened(stack, lang)
    r = post(stack, session, {"csrf_token": token, "role_rows": "2", "role_1_description": "Rijden"}, lang)
    assert r.status_code == 400 and f'<html lang="{lang}">' in r.text
    assert summary(r.text) == says
    assert 'id="errors"' in r.text and 'tabindex="-1"' in r.text  # site.js moves the focus there
    for field in says:
        assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', r.text.replace("\n", " ")), field
    assert "Controleer dit veld" not in r.text and "Please check this field" not in r.text
    assert ">Rijden</textarea>" in r.text  # nothing typed is lost


def test_a_contact_with_only_a_phone_is_enough_and_told_the_link_comes_by_sms(stack):
    session, token = opened(stack, "en")
    name = f"Walking group {uuid.uuid4().hex[:8]}"
    r = post(stack, session, {"csrf_token": token, "name": name, "contact_name": "Henk",
                              "contact_phone": "06 12345678", "role_rows": "2"}, "en")
    assert "/initiatieven/aangemeld/" in r.url and '<html lang="en">' in r.text
    assert "We sent a text message (SMS)" in r.text and "No roles yet" in r.text
    assert stored(stack, name)["language"] == "en"


def test_the_api_takes_a_contact_by_phone_alone_and_refuses_one_without_either(stack):
    body = {"name": f"Buurtvaders {uuid.uuid4().hex[:8]}", "contact": {"name": "Karim", "phone": "06 12345678"},
            "roles": [{"title": "Wandelaar", "themes": ["sport", "ontmoeting"], "capacity": 2}],
            "language": "en", "pitch": True}
    created = stack.post("registration", "/api/v1/initiatives", body)
    assert created.status_code == 201, created.text
    assert created.json()["language"] == "en" and created.json()["pitch"] is True
    found = stack.get("registration", f"/api/v1/initiatives/{created.json()['id']}", headers=stack.organiser)
    assert found.json()["roles"][0]["themes"] == ["sport", "ontmoeting"]

    refused = stack.post("registration", "/api/v1/initiatives", {**body, "contact": {"name": "Karim"}})
    assert refused.status_code == 422
    fields = refused.json()["error"]["fields"]["contact"]
    assert fields["email"] == fields["phone"] == ["Give an email address, or a phone number if you have no email."]

    defaulted = stack.post("registration", "/api/v1/initiatives",
                           {"name": body["name"] + " 2", "contact": {"name": "Karim", "email": unique_email()}})
    assert defaulted.status_code == 201 and defaulted.json()["language"] == "nl" and defaulted.json()["pitch"] is False
    wrong = stack.post("registration", "/api/v1/initiatives", {**body, "language": "de"})
    assert wrong.status_code == 422 and "language" in wrong.json()["error"]["fields"]
