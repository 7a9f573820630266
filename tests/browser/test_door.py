"""Two volunteers at the door, each on their own tablet (Chromium, 1024×768, touch): they find residents by a name
typed without accents, by code and by the last digits of a phone, check them in, sign up a walk-in with their
consent and undo a mistaken check-in; every arrival and every colour shows on both screens by itself (pushed).
Prints how long each colour took from its colour.assigned (published here, as matching would) to each screen;
screenshot in docs/screenshots/door-tablet.png."""
import datetime as dt
import json
import re
import subprocess
import sys
import uuid

from kafka import KafkaProducer
from wijkkracht import config, topics
from wijkkracht.events import new_event

from tests.browser.support import SHOTS, TABLET
from tests.support import unique_email, wait_until

PASSWORD = "een-lang-wachtwoord"

# Each screen notes when each colour and table first appears beside an arrival (its clock is the machine's).
SEEN = """
window.__seen = {};
new MutationObserver(function () {
  document.querySelectorAll('#arrivals li.arrival').forEach(function (li) {
    var s = li.querySelector('.swatch[data-colour]');
    if (!s) { return; }
    var key = li.getAttribute('data-person') + ' ' + s.getAttribute('data-colour') + ' ' + s.textContent;
    if (!window.__seen[key]) { window.__seen[key] = Date.now(); }
  });
}).observe(document, {childList: true, subtree: true});
"""
TABLE = 42  # a table matching does not give at a small evening: the colour shown is the one published here


def door_screen(browser, stack, email: str, meeting_id: str):
    context = browser.new_context(viewport=TABLET, has_touch=True, locale="nl-NL")
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(stack.url("registration", "/inloggen"))
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(re.compile("/organisator"))
    page.add_init_script(SEEN)
    page.goto(stack.url("registration", f"/deur/{meeting_id}"))
    return page


def arrival(page, person_id: str):
    return page.locator(f'#arrivals li.arrival[data-person="{person_id}"]')


def check_in_from_results(page, name: str):
    page.locator("#results li.result", has_text=name).get_by_role("button", name=re.compile("^Inchecken")).click()
    page.locator("#results li.result", has_text=name).get_by_text("Ingecheckt").wait_for()
    assert f"Ingecheckt: {name}" in page.locator("#flash").inner_text()


def test_two_door_screens_check_people_in_and_both_see_every_colour_pushed(stack, browser):
    meeting = stack.create_meeting(title="Wijkkracht Delfshaven", venue="Post West", area="Delfshaven")
    phone = "061" + str(uuid.uuid4().int)[:7]  # a valid Dutch mobile number of its own
    ayse = stack.sign_up(meeting["id"], name="Ayşe Yılmaz", email=unique_email())
    lucia = stack.sign_up(meeting["id"], name="Lucía Fernández", email=unique_email())
    kees = stack.sign_up(meeting["id"], name="Kees de Vries", phone=phone, email=None, preferred_channel="sms")
    email = f"deur.{uuid.uuid4().hex[:8]}@example.org"
    made = subprocess.run([sys.executable, "-m", "registration.cli", "create-organiser", email],
                          input=PASSWORD + "\n", capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    one, two = door_screen(browser, stack, email, meeting["id"]), door_screen(browser, stack, email, meeting["id"])
    try:
        # Screen one: a name typed without accents and capitals finds Ayşe as it is typed.
        one.get_by_role("searchbox", name=re.compile("Zoek op naam of code")).fill("ayse yilmaz")
        one.locator("#results li.result", has_text="Ayşe Yılmaz").wait_for()
        check_in_from_results(one, "Ayşe Yılmaz")
        arrival(two, ayse["person_id"]).wait_for()  # the other screen has her without a reload

        # Screen two: a name not found asks for the code or the phone's digits, and offers no sign-up yet.
        two.get_by_role("searchbox", name=re.compile("Zoek op naam of code")).fill("Zeynep")
        two.get_by_role("button", name="Zoeken").click()
        two.locator("#search-message").get_by_text("Vraag naar de code").wait_for()
        assert two.locator("#search-message a").count() == 0
        two.get_by_role("searchbox", name=re.compile("Zoek op naam of code")).fill(lucia["code"].lower())
        two.get_by_role("button", name="Zoeken").click()
        check_in_from_results(two, "Lucía Fernández")
        arrival(one, lucia["person_id"]).wait_for()

        # Screen one: the last four digits of Kees's phone.
        one.get_by_role("searchbox", name=re.compile("Zoek op naam of code")).fill(phone[-4:])
        one.get_by_role("button", name="Zoeken").click()
        check_in_from_results(one, "Kees de Vries")

        # A colour assigned (as matching does, by colour.assigned) shows on both screens by itself.
        people = {ayse["person_id"]: ("Ayşe", "groen"), lucia["person_id"]: ("Lucía", "paars"),
                  kees["person_id"]: ("Kees", "geel")}
        colour_labels = {"groen": "groen", "paars": "paars", "geel": "geel"}
        producer = KafkaProducer(bootstrap_servers=config.kafka_bootstrap_servers(), linger_ms=0,
                                 value_serializer=lambda v: json.dumps(v).encode(), key_serializer=str.encode)
        for person_id, (name, colour) in people.items():
            event = new_event("colour.assigned", {"meeting_id": meeting["id"], "person_id": person_id,
                                                  "colour": colour, "table": TABLE}, key=meeting["id"],
                              producer="matching")
            producer.send(topics.MATCHING, key=meeting["id"], value=event).get(timeout=30)
            before = dt.datetime.fromisoformat(event["occurred_at"]).timestamp() * 1000
            key = f"{person_id} {colour} {colour_labels[colour]} · Tafel {TABLE}"
            for label, page in (("screen 1", one), ("screen 2", two)):
                page.wait_for_function(f"() => window.__seen[{key!r}]", timeout=60_000)
                seen = page.evaluate(f"() => window.__seen[{key!r}]")
                print(f"{name}: {colour}, table {TABLE} on {label} {seen - before:.0f} ms after its colour.assigned")
        producer.close()
        shown = arrival(two, ayse["person_id"]).locator(".swatch").inner_text()
        assert re.search(r"· Tafel \d+", shown)

        # Screen two: digits of no one: now the walk-in sign-up is offered; the walk-in answers both questions.
        two.get_by_role("searchbox", name=re.compile("Zoek op naam of code")).fill("0000")
        two.get_by_role("button", name="Zoeken").click()
        two.locator("#search-message").get_by_role("link", name="Binnenloper inschrijven").click()
        two.locator("#walkin-form").get_by_label("Naam", exact=True).fill("Joao Tavares")
        two.locator("#consent_contact").get_by_label("Nee").check()
        two.locator("#consent_share").get_by_label("Ja").check()
        two.get_by_role("button", name="Inschrijven en inchecken").click()
        assert "Ingecheckt: Joao Tavares" in two.locator("#flash").inner_text()
        one.locator("#arrivals li.arrival", has_text="Joao Tavares").wait_for()

        # A mistaken check-in (Kees) undone on screen one with a second tap: gone from both screens.
        one.screenshot(path=str(SHOTS / "door-tablet.png"), full_page=True)
        undo = arrival(one, kees["person_id"]).get_by_role("button", name=re.compile("^Inchecken ongedaan maken"))
        undo.tap()
        arrival(one, kees["person_id"]).get_by_role("button", name=re.compile("^Zeker\\? Tik nog een keer")).tap()
        arrival(one, kees["person_id"]).wait_for(state="detached")
        arrival(two, kees["person_id"]).wait_for(state="detached")
        assert "Inchecken ongedaan gemaakt: Kees de Vries" in one.locator("#flash").inner_text()
        wait_until(lambda: two.locator("#count").inner_text() == "3", message="three arrivals on screen two")
    finally:
        one.context.close()
        two.context.close()
