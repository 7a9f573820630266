"""axe-core (from npm, cached under .local/node by `make axe`) injected into every page in Chromium: no
violations on the residents' pages (a phone), the organiser's (a laptop) and the answer and unsubscribe pages.
Also: a language switch mid-form keeps what was typed, and focus lands on the error summary after a failed
submit."""
import json
import re
import subprocess
import sys
import uuid

import pytest

from tests.browser.support import LAPTOP, PHONE
from tests.support import unique_email, wait_until

PASSWORD = "een-lang-wachtwoord"


@pytest.fixture(scope="module")
def organiser():
    email = f"a11y.{uuid.uuid4().hex[:8]}@example.org"
    made = subprocess.run([sys.executable, "-m", "registration.cli", "create-organiser", email],
                          input=PASSWORD + "\n", capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    return email


def check(page, axe, name: str, failures: dict):
    found = axe(page)
    if found:
        failures[name] = found


def log_in(page, stack, email: str):
    page.goto(stack.url("registration", "/inloggen"))
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(re.compile(r"/organisator"))


def test_the_residents_pages_have_no_accessibility_violations(stack, browser, axe):
    meeting = stack.create_meeting(title="Wijkkracht Toegankelijk", venue="Post West", area="Delfshaven",
                                   capacity=40)
    full = stack.create_meeting(title="Wijkkracht Vol", capacity=1)
    stack.sign_up(full["id"], email=unique_email())
    failures = {}
    page = browser.new_page(viewport=PHONE, bypass_csp=True, is_mobile=True, has_touch=True, locale="nl-NL")
    page.set_default_timeout(60_000)

    page.goto(stack.url("registration", "/"))
    check(page, axe, "index", failures)
    page.goto(stack.url("registration", f"/meetings/{meeting['id']}/aanmelden"))
    check(page, axe, "sign-up (nl)", failures)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_selector("#errors")
    assert page.evaluate("document.activeElement.id") == "errors"  # focus on the summary, read out first
    check(page, axe, "sign-up with errors (nl)", failures)
    page.goto(stack.url("registration", f"/meetings/{meeting['id']}/aanmelden?lang=en"))
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_selector("#errors")
    summary = page.locator("#errors li").all_inner_texts()
    assert any(line.startswith("Name:") for line in summary) and len(summary) == len(set(summary)), summary
    check(page, axe, "sign-up with errors (en)", failures)

    page.goto(stack.url("registration", f"/meetings/{meeting['id']}/aanmelden?lang=nl"))
    page.get_by_label("Naam", exact=True).fill("Lucía Fernández")
    page.get_by_label(re.compile("^E-mailadres")).fill(unique_email("a11y"))
    page.get_by_label(re.compile("^Ja, jullie mogen mij berichten sturen")).check()
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_selector("#registration-code")
    check(page, axe, "confirmation", failures)
    page.get_by_role("link", name=re.compile("Meld je af")).click()
    check(page, axe, "cancel", failures)

    page.goto(stack.url("registration", f"/meetings/{full['id']}/aanmelden"))
    page.get_by_label("Naam", exact=True).fill("Kees de Vries")
    page.get_by_label(re.compile("^E-mailadres")).fill(unique_email("a11y"))
    page.get_by_label(re.compile("^Ja, jullie mogen mij berichten sturen")).check()
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_selector("#registration-code")
    assert page.get_by_role("heading", level=1).inner_text() == "Je staat op de wachtlijst"
    check(page, axe, "waitlisted", failures)

    page.goto(stack.url("registration", "/initiatieven/aanmelden"))
    check(page, axe, "initiative form", failures)
    page.close()
    assert not failures, json.dumps(failures, indent=1, ensure_ascii=False)


def test_switching_language_mid_form_keeps_what_was_typed(stack, browser):
    meeting = stack.create_meeting(title="Wijkkracht Talen")
    page = browser.new_page(viewport=PHONE, bypass_csp=True, is_mobile=True, has_touch=True, locale="en-GB")
    page.set_default_timeout(60_000)
    page.goto(stack.url("registration", f"/meetings/{meeting['id']}/aanmelden"))
    assert page.locator("html").get_attribute("lang") == "en"  # the browser's language, no ?lang needed
    page.get_by_label("Name", exact=True).fill("Ayşe Yılmaz")
    page.get_by_label("By text message (SMS)").check()
    page.get_by_label(re.compile("^Mobile number")).fill("06 12345678")
    # With SMS chosen the phone is needed and the email is the optional one.
    assert "optional" not in page.locator("label[for=phone]").inner_text()
    assert "optional" in page.locator("label[for=email]").inner_text()
    page.get_by_role("button", name="Nederlands").click()
    assert page.locator("html").get_attribute("lang") == "nl"
    assert page.get_by_label("Naam", exact=True).input_value() == "Ayşe Yılmaz"
    assert page.get_by_label(re.compile("^Mobiel nummer")).input_value() == "06 12345678"
    assert page.locator("#channel-sms").is_checked()
    assert page.locator("#errors").count() == 0  # a switch is not a failed submit
    # The choice holds on the next page without ?lang.
    page.goto(stack.url("registration", "/"))
    assert page.locator("html").get_attribute("lang") == "nl"
    page.close()


def test_the_organisers_pages_have_no_accessibility_violations(stack, browser, axe, organiser):
    meeting = stack.create_meeting(title="Wijkkracht Deurtoets")
    stack.sign_up(meeting["id"], name="Samira Bakkali", email=unique_email())
    failures = {}
    page = browser.new_page(viewport=LAPTOP, bypass_csp=True, locale="nl-NL")
    page.set_default_timeout(60_000)
    page.goto(stack.url("registration", "/inloggen"))
    check(page, axe, "login", failures)
    log_in(page, stack, organiser)
    check(page, axe, "console", failures)
    page.goto(stack.url("registration", f"/deur/{meeting['id']}"))
    check(page, axe, "door", failures)
    # English chosen once stays English on the next console page.
    page.goto(stack.url("registration", "/organisator?lang=en"))
    page.goto(stack.url("registration", f"/deur/{meeting['id']}"))
    assert page.locator("html").get_attribute("lang") == "en"
    page.close()
    assert not failures, json.dumps(failures, indent=1, ensure_ascii=False)


def test_the_answer_and_unsubscribe_pages_have_no_accessibility_violations(stack, browser, axe):
    from matching import links as answer_links
    from notifications import config as notifications_config, links as unsubscribe_links

    failures = {}
    page = browser.new_page(viewport=PHONE, bypass_csp=True, is_mobile=True, has_touch=True, locale="nl-NL")
    page.set_default_timeout(60_000)
    person = uuid.uuid4().hex
    token = answer_links.make_token(uuid.uuid4().hex, person, "i1", "r1", "accept")
    page.goto(stack.url("matching", f"/antwoord/{token}"))
    assert page.locator("main h1").count() == 1
    check(page, axe, "answer page", failures)
    page.goto(stack.url("matching", "/a/not-a-token?lang=en"))
    assert page.locator("html").get_attribute("lang") == "en"
    check(page, axe, "answers list (gone)", failures)
    unsubscribe = unsubscribe_links.unsubscribe_token(notifications_config.secret_key(), "person", person, "sms")
    page.goto(stack.url("notifications", f"/afmelden/{unsubscribe}"))
    assert page.locator("main h1").count() == 1
    check(page, axe, "unsubscribe", failures)
    page.close()
    assert not failures, json.dumps(failures, indent=1, ensure_ascii=False)


def test_the_evenings_own_pages_have_no_accessibility_violations(stack, browser, axe, organiser):
    """The pages that came with the organiser's evening: the evening form, the programme, the printed table
    cards, the hall screen, a resident's evening page, the report and the matches page."""
    from registration import config as registration_config
    from wijkkracht import evening_link

    made = [stack.post("registration", "/api/v1/initiatives", {
        "name": name, "description": "Samen koken en eten", "area": "Delfshaven",
        "contact": {"name": "Sam", "email": f"{uuid.uuid4().hex[:8]}@example.org"}, "themes": ["koken"],
        "target_groups": ["iedereen"], "looking_for": ["iedereen"],
        "roles": [{"title": "Kookmaatje", "description": "Samen koken", "themes": ["koken"], "capacity": 2}]},
        organiser=True).json() for name in ("Young Kitchen", "de Keuken")]
    meeting = stack.create_meeting(title="Wijkkracht Programma", venue="Post West", area="Delfshaven",
                                   initiative_ids=[i["id"] for i in made], group_size=3)
    mid = meeting["id"]
    people = [stack.sign_up(mid, name=f"Bewoner {n}", email=unique_email()) for n in range(3)]
    for p in people:
        assert stack.post("registration", f"/api/v1/meetings/{mid}/checkins", {"registration_id": p["registration_id"]},
                          organiser=True).status_code in (200, 201)
    assert stack.post("registration", f"/api/v1/meetings/{mid}/start", organiser=True).status_code == 200
    wait_until(lambda: stack.get("matching", f"/api/v1/meetings/{mid}/schedule").json().get("rounds"), 240,
               interval_s=1, message="the timetable")

    failures = {}
    page = browser.new_page(viewport=LAPTOP, bypass_csp=True, locale="nl-NL")
    page.set_default_timeout(60_000)
    log_in(page, stack, organiser)
    pages = {"evening form": "/organisator/avonden/nieuw", "programme": f"/organisator/{mid}/programma",
             "table cards": f"/organisator/{mid}/tafelkaarten", "hall screen": f"/organisator/{mid}/zaal",
             "report": f"/organisator/rapport?meeting_ids={mid}"}
    for name, path in pages.items():
        page.goto(stack.url("registration", path))
        check(page, axe, name, failures)
    wait_until(lambda: page.goto(stack.url("registration", f"/organisator/{mid}/programma")) and
               page.locator("text=Young Kitchen").count(), 120, interval_s=1, message="the programme's names")
    check(page, axe, "programme with its rounds", failures)
    assert stack.post("registration", f"/api/v1/meetings/{mid}/close", organiser=True).status_code == 200
    page.goto(stack.url("registration", f"/organisator/avond/{mid}/koppelingen"))
    check(page, axe, "matches page", failures)
    page.close()

    phone = browser.new_page(viewport=PHONE, bypass_csp=True, is_mobile=True, has_touch=True, locale="nl-NL")
    phone.set_default_timeout(60_000)
    link = evening_link.url(stack.url("registration", ""), registration_config.link_secret(), mid,
                            people[0]["person_id"])
    phone.goto(link)
    check(phone, axe, "resident's evening page", failures)
    phone.close()
    assert not failures, json.dumps(failures, indent=1, ensure_ascii=False)
