"""The edit form on an initiative's own page over HTTP: the same fields, words and role rows as the registration
form (``role_<n>_<field>``, "add a role" without JavaScript), plus a role's id so an edited role stays itself and
"remove this role"; an error lands on its own row and the summary names it as the registration form does."""
import html
import re

import requests

from tests.e2e.test_initiative_page import page_link
from tests.support import unique, unique_email

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SUMMARY = re.compile(r'<li><a href="#([a-z0-9_]+)">([^<]+)</a></li>')


def registered(stack) -> dict:
    email = unique_email("bewerken")
    r = stack.post("registration", "/api/v1/initiatives", {
        "name": f"Buurtkeuken {unique('edit')}", "contact": {"name": "Ilse", "email": email},
        "themes": ["koken"], "roles": [{"title": "Kok", "themes": ["koken"], "capacity": 2},
                                       {"title": "Afwasser", "capacity": 1}]}, organiser=True)
    assert r.status_code == 201, r.text
    return {**r.json(), "link": page_link(stack, email)}


def edit_form(page: str) -> dict:
    """What the page's edit form would send as it stands (its inputs, textareas and ticked boxes)."""
    form = page[page.index('id="initiative-edit"'):page.index("</form>", page.index('id="initiative-edit"'))]
    data: dict = {}
    for tag in re.findall(r"<input [^>]*>", form):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and ('type="checkbox"' not in tag or " checked" in tag):
            data.setdefault(name.group(1), []).append(html.unescape(value.group(1)) if value else "")
    for name, text in re.findall(r'<textarea [^>]*name="([^"]+)"[^>]*>([^<]*)</textarea>', form):
        data[name] = [html.unescape(text)]
    return data


def test_a_role_renamed_keeps_its_id_one_removed_goes_and_one_added_is_checked_on_its_own_row(stack):
    initiative = registered(stack)
    browser = requests.Session()
    page = browser.get(initiative["link"], timeout=10).text
    assert 'name="role_rows" value="2"' in page and 'name="role_1_title" type="text" value="Afwasser"' in page
    assert "Nog een rol toevoegen" in page and "Leeg laten is 1." in page, "the registration form's words"
    form = edit_form(page)
    assert form["role_0_id"] == [initiative["roles"][0]["id"]] and form["role_0_themes"] == ["koken"]

    added = browser.post(initiative["link"], data={**form, "add_role": "1"}, timeout=10).text
    assert 'name="role_rows" value="3"' in added and "Rol 3 is toegevoegd." in added
    assert re.search(r'id="role_2_title"[^>]*autofocus', added) and 'class="summary"' not in added

    form = {**edit_form(added), "role_0_title": "Kok op vrijdag", "role_1_remove": "1",
            "role_2_description": "Boodschappen doen", "role_2_capacity": "nul"}
    refused = browser.post(initiative["link"], data=form, timeout=10)
    assert refused.status_code == 400
    assert {a: html.unescape(line) for a, line in SUMMARY.findall(refused.text)} == {
        "role_2_title": "Rol 3 – titel: Vul een titel in.",
        "role_2_capacity": "Rol 3 – aantal vrijwilligers: Vul een aantal in van 1 tot 1000."}
    assert 'id="role_2_title-error"' in refused.text and 'value="Kok op vrijdag"' in refused.text

    saved = browser.post(initiative["link"], data={**form, "role_2_title": "Boodschapper", "role_2_capacity": ""},
                         timeout=10)
    assert saved.status_code == 200 and "Opgeslagen." in saved.text
    roles = stack.get("registration", f"/api/v1/initiatives/{initiative['id']}").json()["roles"]
    assert [(r["title"], r["themes"], r["capacity"]) for r in roles] == [
        ("Kok op vrijdag", ["koken"], 2), ("Boodschapper", [], 1)]
    assert roles[0]["id"] == initiative["roles"][0]["id"], "an edited role stays the same role"
    assert initiative["roles"][1]["id"] not in {r["id"] for r in roles}, "the removed role is gone"
