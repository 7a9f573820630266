"""The programme in Chromium: an organiser opens the programme of a started evening, prints the table cards to
PDF (one A4 page per table) and opens the hall screen; a resident opens their evening page from the link in
their colour email on a 390×844 phone and ticks the initiatives they would like to join.
Screenshots go to docs/screenshots/ (programme.png, table-card.png, hall.png, evening-page.png)."""
import re
import subprocess
import sys
import uuid

import pytest
import requests

from tests.browser.support import PHONE, SHOTS
from tests.support import ROOT, unique, unique_email, wait_until

LINK = re.compile(r"https?://[^\s\"<]+/t/[A-Za-z0-9_-]{55}")
INITIATIVES = ("Tori Oso", "Young Kitchen", "Inspiring Garden")


def pdf_pages(pdf: bytes) -> int:
    """Pages of a PDF as Chromium writes it: one ``/Type /Page`` object each (``/Pages`` is the tree)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def colour_of(stack, meeting_id: str, person_id: str) -> str | None:
    """The door's colour for an arrival, or None while it is coming (or the api is briefly restarting)."""
    try:
        r = stack.get("registration", f"/api/v1/meetings/{meeting_id}/checkins/{person_id}", headers=stack.organiser)
    except requests.ConnectionError:
        return None
    return r.json().get("colour") if r.status_code == 200 else None


@pytest.fixture(scope="module")
def evening(stack):
    """Started, with six arrivals in groups of three (two tables or more) and three initiatives."""
    ids = []
    for name in INITIATIVES:
        r = stack.post("registration", "/api/v1/initiatives", {
            "name": name, "description": "Samen doen", "area": "Delfshaven",
            "contact": {"name": "Ilse", "email": unique_email("initiatief")}, "themes": ["koken"],
            "target_groups": ["iedereen"], "looking_for": [],
            "roles": [{"title": "Vrijwilliger", "themes": ["koken"], "capacity": 5}]}, organiser=True)
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    meeting = stack.create_meeting(title=f"Wijkkracht Delfshaven {unique('avond')[-4:]}", venue="Post West",
                                   area="Delfshaven", initiative_ids=ids, group_size=3)
    residents = [stack.sign_up(meeting["id"], name=name, email=unique_email("programma"))
                 for name in ("Fatima El Amrani", "Kees de Vries", "Nora Haddou", "Ayşe Yılmaz", "Lucía Gómez",
                              "Samira Bakkali")]
    for resident in residents:
        assert stack.post("registration", f"/api/v1/meetings/{meeting['id']}/checkins",
                          {"registration_id": resident["registration_id"]}, organiser=True).status_code == 201
    for resident in residents:
        wait_until(lambda: colour_of(stack, meeting["id"], resident["person_id"]), 240,
                   message="a colour for every arrival")
    assert stack.post("registration", f"/api/v1/meetings/{meeting['id']}/start", organiser=True).status_code == 200
    programme = wait_until(lambda: (lambda p: p if p["rounds"] else None)(stack.get(
        "registration", f"/api/v1/meetings/{meeting['id']}/programme", headers=stack.organiser).json()), 120,
        message="the timetable")
    return {"meeting": meeting, "residents": residents, "programme": programme, "initiative_ids": ids}


@pytest.fixture(scope="module")
def organiser_page(stack, browser):
    email = f"programma.{uuid.uuid4().hex[:8]}@example.org"
    made = subprocess.run([sys.executable, "-m", "registration.cli", "create-organiser", email],
                          input="een-lang-wachtwoord\n", capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.set_default_timeout(120_000)
    page.goto(stack.url("registration", "/inloggen?lang=nl"))
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill("een-lang-wachtwoord")
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(re.compile("/organisator"), wait_until="commit")  # the console itself may load slowly
    yield page
    page.close()


def test_the_programme_page_and_one_printed_table_card_per_table(stack, organiser_page, evening):
    page = organiser_page
    meeting_id = evening["meeting"]["id"]
    tables = evening["programme"]["tables"]
    assert len(tables) >= 2
    page.goto(stack.url("registration", f"/organisator/{meeting_id}/programma?lang=nl"))
    assert page.get_by_role("heading", level=1).inner_text() == "Programma van de avond"
    assert page.locator("#programme .round").count() == len(evening["programme"]["rounds"])
    for name in INITIATIVES:
        assert page.get_by_text(name).first.is_visible()
    page.screenshot(path=str(SHOTS / "programme.png"), full_page=True)

    page.locator("#cards-link").click()
    page.wait_for_url(re.compile("/tafelkaarten"))
    assert page.locator(".table-card").count() == len(tables)
    pdf = page.pdf(format="A4", print_background=True)  # Chromium's print to PDF, with the print stylesheet
    assert pdf.startswith(b"%PDF") and pdf_pages(pdf) == len(tables)
    (ROOT / ".local").mkdir(exist_ok=True)
    (ROOT / ".local" / "table-cards.pdf").write_bytes(pdf)
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    page.locator("#card-1").screenshot(path=str(SHOTS / "table-card.png"))
    page.emulate_media(media="screen")


def test_the_hall_screen_counts_down_by_itself(stack, organiser_page, evening):
    page = organiser_page
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(stack.url("registration", f"/organisator/{evening['meeting']['id']}/zaal?lang=nl"))
    assert page.locator("#hall-round").inner_text().startswith("Ronde 1 van")
    first = page.locator("#hall-countdown").inner_text()
    page.wait_for_function(f"() => document.getElementById('hall-countdown').textContent !== {first!r}",
                           timeout=10_000)
    assert page.locator(".move").count() == len(INITIATIVES)
    page.screenshot(path=str(SHOTS / "hall.png"))


def test_a_resident_ticks_initiatives_on_their_own_phone(stack, browser, evening):
    resident = evening["residents"][0]
    mails = wait_until(lambda: [m for m in stack.mail(to=resident["request"]["email"]) if LINK.search(m["text"])],
                       180, interval_s=0.5, message="the colour email with the evening link")
    link = LINK.search(mails[0]["text"]).group(0)
    page = browser.new_page(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                            locale="nl-NL")
    page.set_default_timeout(120_000)
    page.goto(link)
    assert page.get_by_role("heading", level=1).inner_text() == "Jouw avond, Fatima"
    assert page.locator("#table-number").is_visible()
    page.get_by_label(INITIATIVES[0]).check()
    page.get_by_label(INITIATIVES[2]).check()
    page.screenshot(path=str(SHOTS / "evening-page.png"), full_page=True)
    page.get_by_role("button", name="Opslaan").click()
    assert "We hebben je keuze bewaard" in page.locator("#join-saved").inner_text()
    assert page.get_by_label(INITIATIVES[0]).is_checked() and not page.get_by_label(INITIATIVES[1]).is_checked()
    page.close()
