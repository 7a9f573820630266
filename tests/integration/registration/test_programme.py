"""The programme for table hosts and the resident's evening page, against the running stack: an evening with
three initiatives, six arrivals and a start; the programme page, the table cards and the hall screen read the
timetable matching published, with names, local times and questions; each resident's colour message links to
their own evening page, where they tick the initiatives they would like to join (``interests.recorded``);
a forged link, a cancelled registration and an erased person show nothing personal."""
import datetime as dt
import os
import random
import re
import subprocess
import sys
import uuid
from zoneinfo import ZoneInfo

import pytest
import requests

from tests.integration.registration.kafka_events import TopicReader
from tests.support import unique, unique_email, wait_until

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
LINK = re.compile(r"https?://[^\s\"<]+/t/[A-Za-z0-9_-]{55}")
INITIATIVES = ("Tori Oso", "Young Kitchen", "De vrouwen van Delfshaven")


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture(scope="module")
def organiser(stack) -> requests.Session:
    """A logged-in organiser's browser session (an account made with the CLI, as an operator would)."""
    email, password = f"programma.{uuid.uuid4().hex[:8]}@example.org", "een-lang-wachtwoord"
    done = subprocess.run([sys.executable, "-m", "registration.cli", "create-organiser", email],
                          input=password + "\n", capture_output=True, text=True, env=os.environ, timeout=60)
    assert done.returncode == 0, done.stderr
    session = requests.Session()
    page = session.get(stack.url("registration", "/inloggen"))
    r = session.post(stack.url("registration", "/inloggen"),
                     data={"csrf_token": csrf(page.text), "email": email, "password": password})
    assert r.status_code == 200 and "/organisator" in r.url
    return session


def new_initiative(stack, name: str) -> str:
    r = stack.post("registration", "/api/v1/initiatives", {
        "name": name, "description": "Samen doen", "area": "Delfshaven",
        "contact": {"name": "Ilse", "email": unique_email("initiatief")}, "themes": ["koken"],
        "target_groups": ["iedereen"], "looking_for": [],
        "roles": [{"title": "Vrijwilliger", "themes": ["koken"], "capacity": 5}]}, organiser=True)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def programme(stack, meeting_id: str) -> dict:
    r = stack.get("registration", f"/api/v1/meetings/{meeting_id}/programme", headers=stack.organiser)
    assert r.status_code == 200, r.text
    return r.json()


def colour_of(stack, meeting_id: str, person_id: str) -> str | None:
    """The door's colour for an arrival, or None while it is coming (or the api is briefly restarting)."""
    try:
        r = stack.get("registration", f"/api/v1/meetings/{meeting_id}/checkins/{person_id}", headers=stack.organiser)
    except requests.ConnectionError:
        return None
    return r.json().get("colour") if r.status_code == 200 else None


@pytest.fixture(scope="module")
def evening(stack):
    """Started: six residents checked in (one by SMS, in English), groups of three, three initiatives."""
    initiative_ids = [new_initiative(stack, name) for name in INITIATIVES]
    title = f"Wijkkracht {unique('programma')}"
    meeting = stack.create_meeting(title=title, venue="Post West", area="Delfshaven", initiative_ids=initiative_ids,
                                   group_size=3)
    phone = "061" + "".join(random.choice("0123456789") for _ in range(7))
    residents = [stack.sign_up(meeting["id"], name="Sam Lee", email=None, phone=phone, preferred_channel="sms",
                               language="en")]
    residents += [stack.sign_up(meeting["id"], name=name, email=unique_email("programma"))
                  for name in ("Fatima El Amrani", "Kees de Vries", "Nora Haddou", "Ayşe Yılmaz", "Lucía Gómez")]
    stay_home = stack.sign_up(meeting["id"], name="Lotte Bakker", email=unique_email("afgemeld"))
    for resident in residents:
        r = stack.post("registration", f"/api/v1/meetings/{meeting['id']}/checkins",
                       {"registration_id": resident["registration_id"]}, organiser=True)
        assert r.status_code == 201, r.text
    for resident in residents:
        wait_until(lambda: colour_of(stack, meeting["id"], resident["person_id"]), 240,
                   message="a colour for every arrival")
    return {"meeting": meeting, "title": title, "initiative_ids": initiative_ids, "residents": residents,
            "phone": phone, "stay_home": stay_home}


@pytest.fixture(scope="module")
def started(stack, evening):
    meeting_id = evening["meeting"]["id"]
    assert stack.post("registration", f"/api/v1/meetings/{meeting_id}/start", organiser=True).status_code == 200
    shown = wait_until(lambda: programme(stack, meeting_id)["rounds"] and programme(stack, meeting_id), 120,
                       message="the timetable in registration's programme")
    return {**evening, "programme": shown}


def test_before_the_start_every_page_says_there_is_no_programme_yet(stack, organiser):
    meeting = stack.create_meeting(title="Wijkkracht Noord")
    for path in ("programma", "tafelkaarten"):
        page = organiser.get(stack.url("registration", f"/organisator/{meeting['id']}/{path}?lang=nl"))
        assert page.status_code == 200
        assert 'id="no-programme"' in page.text and "Er is nog geen programma" in page.text
    english = organiser.get(stack.url("registration", f"/organisator/{meeting['id']}/programma?lang=en"))
    assert "There is no programme yet" in english.text
    hall = organiser.get(stack.url("registration", f"/organisator/{meeting['id']}/zaal.json")).json()
    assert hall["phase"] == "before" and hall["current"] is None and hall["moves"] == []
    assert programme(stack, meeting["id"])["rounds"] == []


def test_the_programme_needs_an_organiser(stack, evening):
    meeting_id = evening["meeting"]["id"]
    for path in ("programma", "tafelkaarten", "zaal", "zaal.json"):
        r = requests.get(stack.url("registration", f"/organisator/{meeting_id}/{path}"), allow_redirects=False)
        assert r.status_code in (302, 303) and "/inloggen" in r.headers["Location"]
    assert requests.get(stack.url("registration", f"/api/v1/meetings/{meeting_id}/programme")).status_code == 401


def test_the_programme_page_shows_every_round_in_local_time_with_colour_initiative_and_question(
        stack, organiser, started):
    meeting_id = started["meeting"]["id"]
    # Matching's own timetable (UTC, ids): the page must say the same in Amsterdam time with names.
    schedule = stack.get("matching", f"/api/v1/meetings/{meeting_id}/schedule", headers=stack.organiser).json()
    page = organiser.get(stack.url("registration", f"/organisator/{meeting_id}/programma?lang=nl")).text
    names = dict(zip(started["initiative_ids"], INITIATIVES))
    assert len(schedule["rounds"]) >= 3
    for number, round_ in enumerate(schedule["rounds"], 1):
        local = dt.datetime.fromisoformat(round_["starts_at"]).astimezone(AMSTERDAM).strftime("%H:%M")
        section = page.split(f'id="round-{number}"', 1)[1].split("</section>", 1)[0]
        assert f">{local}</time>" in section
        for table in round_["tables"]:
            row = section.split(f'data-table="{table["table"]}"', 1)[1].split("</tr>", 1)[0]
            assert f'c-{table["colour"]}' in row and f'class="colour-name">{table["colour"]}<' in row
            if table["initiative_id"]:
                assert names[table["initiative_id"]] in row and table["initiative_id"] not in row
            assert (table.get("question_i18n") or table["question"])["nl"] in row
    english = organiser.get(stack.url("registration", f"/organisator/{meeting_id}/programma?lang=en")).text
    first = schedule["rounds"][0]["tables"][0]
    assert (first.get("question_i18n") or first["question"])["en"] in english
    assert "red" in english or "blue" in english


def test_one_table_card_per_table_with_its_rounds_times_initiatives_and_questions(stack, organiser, started):
    meeting_id = started["meeting"]["id"]
    shown = started["programme"]
    page = organiser.get(stack.url("registration", f"/organisator/{meeting_id}/tafelkaarten?lang=nl")).text
    assert page.count('class="table-card"') == len(shown["tables"]) >= 2
    assert "programme.css" in page  # the print stylesheet: one card per A4 page
    for table in shown["tables"]:
        card = page.split(f'id="card-{table["table"]}"', 1)[1].split("</article>", 1)[0]
        assert f'Tafel {table["table"]} · {table["colour"].upper()}' in card
        for round_ in shown["rounds"]:
            seat = next(s for s in round_["tables"] if s["table"] == table["table"])
            assert f'{round_["start"]}–{round_["end"]}' in card
            assert seat["question"]["nl"] in card
            if seat["initiative"]:
                assert seat["initiative"] in card


def test_the_hall_screen_shows_the_round_now_the_countdown_and_where_each_initiative_goes(
        stack, organiser, started):
    meeting_id = started["meeting"]["id"]
    rounds = started["programme"]["rounds"]
    hall = organiser.get(stack.url("registration", f"/organisator/{meeting_id}/zaal.json")).json()
    assert hall["phase"] == "running" and hall["current"]["number"] == 1
    assert hall["next_at"] == rounds[1]["starts_at"]
    assert 0 < hall["seconds_left"] <= started["programme"]["slot_minutes"] * 60
    second = {s["initiative_id"]: s["table"] for s in rounds[1]["tables"] if s["initiative_id"]}
    moves = {m["initiative"]: m for m in hall["moves"]}
    assert set(moves) == set(INITIATIVES)
    for initiative_id, name in zip(started["initiative_ids"], INITIATIVES):
        assert moves[name]["next_table"] == second.get(initiative_id)
    screen = organiser.get(stack.url("registration", f"/organisator/{meeting_id}/zaal?lang=nl")).text
    assert 'id="hall-countdown"' in screen and "Ronde 1 van" in screen and "hall.js" in screen


def evening_links(stack, started) -> dict[str, str]:
    """The evening page link each arrival got in their colour message (email, or SMS for Sam)."""
    links = {}
    for resident in started["residents"]:
        if resident["request"].get("email"):
            mails = wait_until(lambda: [m for m in stack.mail(to=resident["request"]["email"])
                                        if LINK.search(m.get("text", ""))], 240, interval_s=0.5,
                               message="the colour email with its evening link")
            links[resident["person_id"]] = LINK.search(mails[0]["text"]).group(0)
        else:
            texts = wait_until(lambda: [m for m in stack.sms(to="+31" + started["phone"][1:])
                                        if LINK.search(m["body"])], 240, interval_s=0.5,
                               message="the colour SMS with its evening link")
            links[resident["person_id"]] = LINK.search(texts[0]["body"]).group(0)
    return links


def test_each_resident_opens_their_own_evening_page_and_ticks_initiatives_that_reach_matching(stack, started):
    meeting_id = started["meeting"]["id"]
    links = evening_links(stack, started)
    sam = started["residents"][0]
    seat = stack.get("registration", f"/api/v1/meetings/{meeting_id}/checkins/{sam['person_id']}",
                     headers=stack.organiser).json()
    phone = requests.Session()
    page = phone.get(links[sam["person_id"]])
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert '<html lang="en">' in page.text and "Your evening, Sam" in page.text  # their own language
    colour_en = {"rood": "RED", "blauw": "BLUE", "groen": "GREEN", "geel": "YELLOW"}.get(seat["colour"])
    assert f'id="colour-name">{colour_en or seat["colour"].upper()}<' in page.text
    assert f'id="table-number">Table {seat["table"]}<' in page.text
    for round_ in started["programme"]["rounds"]:
        mine = next(s for s in round_["tables"] if s["table"] == seat["table"])
        assert mine["question"]["en"] in page.text and round_["start"] in page.text
    # Another resident's link names them, not Sam.
    other = started["residents"][1]
    assert "Fatima" in requests.get(links[other["person_id"]]).text and "Sam" not in requests.get(
        links[other["person_id"]]).text

    reader = TopicReader()
    try:
        chosen = started["initiative_ids"][:2]
        saved = phone.post(links[sam["person_id"]], data={"csrf_token": csrf(page.text), "lang": "en",
                                                          "initiative_ids": chosen + ["not-at-this-evening"]})
        assert saved.status_code == 200 and "We saved your choice" in saved.text
        for initiative_id in chosen:
            assert f'value="{initiative_id}" checked' in saved.text
        [event] = reader.wait_for(lambda e: e["type"] == "interests.recorded"
                                  and e["payload"]["person_id"] == sam["person_id"], 60, "interests.recorded")
        assert event["payload"] == {"meeting_id": meeting_id, "person_id": sam["person_id"],
                                    "initiative_ids": chosen}
    finally:
        reader.close()


def test_a_forged_cut_or_absent_link_shows_nothing_personal(stack, started):
    links = evening_links(stack, started)
    link = links[started["residents"][1]["person_id"]]
    token = link.rsplit("/", 1)[1]
    forged = "A" + token[1:] if token[0] != "A" else "B" + token[1:]
    for url in (link.rsplit("/", 1)[0] + "/" + forged, link[:-3], stack.url("registration", "/t/"),
                stack.url("registration", "/t/" + "x" * 55)):
        r = requests.get(url)
        assert r.status_code in (403, 404), url
        assert "Fatima" not in r.text and "Tafel" not in r.text and started["title"] not in r.text


def test_a_cancelled_registration_or_an_erased_person_opens_nothing_personal(stack, started):
    from wijkkracht import config, evening_link  # the same link key as the services (development)

    meeting_id = started["meeting"]["id"]
    secret = config.secret("LINK_SECRET", "registration")
    stay_home = started["stay_home"]
    cancelled = stack.post("registration", f"/api/v1/registrations/{stay_home['registration_id']}/cancel",
                           organiser=True)
    assert cancelled.status_code in (200, 204), cancelled.text
    r = requests.get(evening_link.url(stack.url("registration", ""), secret, meeting_id, stay_home["person_id"]))
    assert r.status_code == 404 and "Lotte" not in r.text and started["title"] not in r.text

    erased = started["residents"][-1]
    link = evening_links(stack, started)[erased["person_id"]]
    assert "Lucía" in requests.get(link).text
    assert stack.http.delete(stack.url("registration", f"/api/v1/people/{erased['person_id']}"),
                             headers=stack.organiser).status_code in (200, 202, 204)
    r = requests.get(link)
    assert r.status_code == 404 and "Lucía" not in r.text and "Tafel" not in r.text
