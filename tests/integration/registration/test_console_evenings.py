"""The organiser's console in a browser's shoes (plain HTTP with a logged-in session): create and edit an
evening in local time, see upcoming evenings first with only their next step, confirm before closing,
read errors in the console's language, and approve initiatives that signed up themselves."""
import datetime as dt
import html
import os
import re
import subprocess
import sys
import uuid
from zoneinfo import ZoneInfo

import pytest
import requests

from tests.support import unique_email

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


@pytest.fixture(scope="module")
def console(stack) -> requests.Session:
    email = f"console.{uuid.uuid4().hex[:8]}@example.org"
    password = "een-lang-wachtwoord"
    made = subprocess.run([sys.executable, "-m", "registration.cli", "create-organiser", email],
                          input=password + "\n", capture_output=True, text=True, env=os.environ, timeout=60)
    assert made.returncode == 0, made.stderr
    session = requests.Session()
    page = session.get(stack.url("registration", "/inloggen"), timeout=30)
    r = session.post(stack.url("registration", "/inloggen"), timeout=30,
                     data={"csrf_token": csrf(page.text), "email": email, "password": password})
    assert r.status_code == 200 and "/organisator" in r.url
    session.token = csrf(r.text)
    return session


def initiative(stack, name: str, organiser: bool = True) -> dict:
    body = {"name": name, "description": "Samen koken en eten", "area": "Delfshaven",
            "contact": {"name": "Mo", "email": unique_email("ini")}, "themes": ["koken"],
            "target_groups": ["iedereen"], "looking_for": ["koken"],
            "roles": [{"title": "Kok", "description": "Koken op woensdag", "themes": ["koken"], "capacity": 2}]}
    r = stack.post("registration", "/api/v1/initiatives", body, organiser=organiser)
    assert r.status_code == 201, r.text
    return r.json()


def evening_form(**overrides) -> dict:
    day = (dt.datetime.now(AMSTERDAM) + dt.timedelta(days=30)).date()
    form = {"title": "Wijkkracht Delfshaven", "date": day.isoformat(), "time": "19:30", "venue": "Post West",
            "address": "Grote Visserijstraat 2", "area": "Delfshaven", "partners": "ZOWEL! Delfshaven\nRadar",
            "capacity": "40", "group_size": "6", "slot_minutes": "20", "max_minutes": "120"}
    form.update(overrides)
    return form


def post(stack, session, path, data, lang="nl"):
    body = {"csrf_token": session.token, "lang": lang, **data}
    return session.post(stack.url("registration", path), data=body, timeout=30)


def meeting_id_of(stack, title: str) -> str:
    meetings = stack.get("registration", "/api/v1/meetings").json()["meetings"]
    return next(m["id"] for m in meetings if m["title"] == title)


def test_an_empty_form_names_every_missing_field_in_dutch_and_keeps_what_was_typed(stack, console):
    r = post(stack, console, "/organisator/avonden/nieuw",
             {"title": "", "date": "", "time": "19.3x", "venue": "Post West", "area": "", "group_size": "40"})
    assert r.status_code == 400
    page = html.unescape(r.text)
    assert "Titel: vul dit in." in page
    assert "Datum: vul de datum in" in page
    assert "Begintijd: dit is geen tijd" in page
    assert "Wijk: vul dit in." in page
    assert "Mensen per tafel: kies een getal van 2 tot en met 30." in page
    assert 'value="Post West"' in page  # what was typed stays

    r = post(stack, console, "/organisator/avonden/nieuw", {"title": "", "date": "2027-01-14", "time": "19:30",
                                                            "venue": "x", "area": "x"}, lang="en")
    assert r.status_code == 400
    assert "Title: please fill this in." in html.unescape(r.text)


def test_an_evening_made_in_the_console_is_stored_in_utc_and_shown_in_amsterdam_time(stack, console):
    presenting = [initiative(stack, f"Young Kitchen {uuid.uuid4().hex[:6]}") for _ in range(3)]
    title = f"Wijkkracht Delfshaven {uuid.uuid4().hex[:6]}"
    form = evening_form(title=title, date="2027-07-01")
    r = console.post(stack.url("registration", "/organisator/avonden/nieuw"), timeout=30,
                     data={"csrf_token": console.token, **form, "lang": "nl",
                           "initiative_ids": [i["id"] for i in presenting]})
    assert r.status_code == 200 and r.url.endswith("/organisator"), r.url
    assert f"Avond aangemaakt: {title}" in html.unescape(r.text)
    meeting = stack.get("registration", f"/api/v1/meetings/{meeting_id_of(stack, title)}").json()
    assert meeting["starts_at"] == "2027-07-01T17:30:00+00:00"  # 19:30 summer time in Amsterdam
    assert meeting["address"] == "Grote Visserijstraat 2" and meeting["max_minutes"] == 120
    assert meeting["partners"] == ["ZOWEL! Delfshaven", "Radar"]
    assert sorted(meeting["initiative_ids"]) == sorted(i["id"] for i in presenting)

    public = stack.get("registration", f"/meetings/{meeting['id']}/aanmelden").text
    assert "Grote Visserijstraat 2" in public and "19:30" in public

    edit = console.get(stack.url("registration", f"/organisator/avonden/{meeting['id']}/bewerken?lang=nl"),
                       timeout=30)
    assert 'value="19:30"' in edit.text and 'value="2027-07-01"' in edit.text
    r = console.post(stack.url("registration", f"/organisator/avonden/{meeting['id']}/bewerken"), timeout=30,
                     data={"csrf_token": console.token, **form, "time": "20:00", "lang": "en",
                           "initiative_ids": [presenting[0]["id"]]})
    assert r.status_code == 200 and f"Evening saved: {title}" in html.unescape(r.text)
    after = stack.get("registration", f"/api/v1/meetings/{meeting['id']}").json()
    assert after["starts_at"] == "2027-07-01T18:00:00+00:00" and after["initiative_ids"] == [presenting[0]["id"]]


def test_a_pending_initiative_cannot_be_chosen_to_present(stack, console):
    pending = initiative(stack, f"Cretopia {uuid.uuid4().hex[:6]}", organiser=False)
    r = console.post(stack.url("registration", "/organisator/avonden/nieuw"), timeout=30,
                     data={"csrf_token": console.token, **evening_form(), "lang": "nl",
                           "initiative_ids": [pending["id"]]})
    assert r.status_code == 400
    assert "Initiatieven die presenteren: kies alleen goedgekeurde initiatieven." in html.unescape(r.text)


def test_upcoming_evenings_come_first_each_with_only_its_next_step_and_closing_asks_first(stack, console):
    # Among the soonest to come and the latest past, which the console lists (the store holds many).
    now = dt.datetime.now(dt.timezone.utc)
    soon = stack.create_meeting(title=f"Komend {uuid.uuid4().hex[:6]}", starts_at=(now + dt.timedelta(days=3)).isoformat())
    old = stack.create_meeting(title=f"Voorbij {uuid.uuid4().hex[:6]}", starts_at=(now - dt.timedelta(days=2)).isoformat())
    for command in ("open-checkin", "start", "close"):
        assert stack.post("registration", f"/api/v1/meetings/{old['id']}/{command}", organiser=True).ok

    page = console.get(stack.url("registration", "/organisator?lang=nl"), timeout=30).text
    assert page.index(soon["title"]) < page.index("Eerdere avonden") < page.index(old["title"])
    assert "<th></th>" not in page and '<th scope="col"></th>' not in page
    row = lambda text, m: re.search(rf'data-meeting="{m["id"]}".*?</tr>', text, re.S).group(0)
    assert "Deur openen" in row(page, soon) and "Avond starten" not in row(page, soon)
    assert "Klaar" in row(page, old) and "<button" not in row(page, old)

    for command in ("open_checkin", "start"):
        r = post(stack, console, f"/organisator/avonden/{soon['id']}/stap/{command}", {})
        assert r.status_code == 200
    assert "Avond afsluiten" in row(r.text, soon) and "<button" not in row(r.text, soon)  # a link to the question

    # A second click on a stale page: the refusal in Dutch, not the API's English.
    r = post(stack, console, f"/organisator/avonden/{soon['id']}/stap/start", {})
    assert "'Avond starten' kan niet: deze avond is al begonnen." in html.unescape(r.text)
    assert "cannot start" not in r.text

    # Closing without the confirmation only shows the question; it closes after "yes".
    r = post(stack, console, f"/organisator/avonden/{soon['id']}/stap/close", {}, lang="en")
    assert "/afsluiten" in r.url and "Close the evening?" in r.text and 'lang="en"' in r.text
    assert stack.get("registration", f"/api/v1/meetings/{soon['id']}").json()["status"] == "started"
    r = post(stack, console, f"/organisator/avonden/{soon['id']}/stap/close", {"confirm": "yes"}, lang="en")
    assert r.status_code == 200 and "lang=en" in r.url and f"The evening is closed: {soon['title']}" in r.text
    assert stack.get("registration", f"/api/v1/meetings/{soon['id']}").json()["status"] == "closed"


def test_initiatives_that_signed_up_themselves_wait_in_the_queue_until_approved(stack, console):
    name = f"De vrouwen van Delfshaven {uuid.uuid4().hex[:6]}"
    pending = initiative(stack, name, organiser=False)
    assert pending["status"] == "pending"
    queue = html.unescape(console.get(stack.url("registration", "/organisator/initiatieven?lang=nl"), timeout=30).text)
    assert name in queue and "Koken op woensdag" in queue and "Goedkeuren" in queue
    r = post(stack, console, f"/organisator/initiatieven/{pending['id']}/goedkeuren", {})
    assert r.status_code == 200 and f"Goedgekeurd: {name}" in html.unescape(r.text)
    assert f'data-initiative="{pending["id"]}"' not in r.text  # gone from the queue itself
    assert stack.get("registration", f"/api/v1/initiatives/{pending['id']}").json()["status"] == "approved"
