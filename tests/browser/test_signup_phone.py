"""A resident on a phone signs up in Dutch with headless Chromium (Debian's), sees the confirmation with
their personal code, and the confirmation email arrives; a door volunteer sees the arrival's colour appear.
Screenshots of the form, the confirmation and the door go to docs/screenshots/."""
import re
import subprocess
import sys
import uuid

from tests.browser.support import PHONE, SHOTS
from tests.support import unique_email, wait_until


def test_a_resident_signs_up_on_a_phone_in_dutch_and_gets_the_confirmation_email(stack, browser):
    meeting = stack.create_meeting(title="Wijkkracht Delfshaven", venue="Post West", area="Delfshaven",
                                   partners=["ZOWEL! Delfshaven", "Radar"], capacity=40)
    email = unique_email("browser")
    page = browser.new_page(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                            locale="nl-NL")
    page.set_default_timeout(120_000)
    page.goto(stack.url("registration", "/"))
    # Our own evening's link (earlier runs left other Delfshaven evenings on the list).
    page.locator(f'a[href*="/meetings/{meeting["id"]}/aanmelden"]').click()
    assert "Wijkkracht Delfshaven" in page.get_by_role("heading", level=1).inner_text()
    assert page.locator("html").get_attribute("lang") == "nl"

    # Submitting empty shows every problem beside its field, in Dutch.
    page.get_by_role("button", name="Aanmelden").click()
    assert page.locator("#name-error").inner_text() == "Vul dit in."
    assert "toestemming" in page.locator("#consent_contact-error").inner_text()

    page.get_by_label("Naam", exact=True).fill("Fatima El Amrani")
    page.get_by_label("Per e-mail").check()
    page.get_by_label(re.compile("^E-mailadres")).fill(email)
    page.get_by_label(re.compile("^Mobiel nummer")).fill("06-12 34 56 78")  # same phone every run: own evening
    page.get_by_label(re.compile("^Postcode")).fill("3024ab")
    page.get_by_label("Arabisch").check()
    page.get_by_label("Koken").check()
    page.get_by_label(re.compile("^Meegenomen persoon 1: Naam")).fill("Aisha")
    page.get_by_label(re.compile("^Ja, jullie mogen mij berichten sturen")).check()
    page.screenshot(path=str(SHOTS / "signup-form-phone.png"), full_page=True)
    page.get_by_role("button", name="Aanmelden").click()

    page.wait_for_selector("#registration-code")
    assert page.get_by_role("heading", level=1).inner_text() == "Je bent aangemeld!"
    code = page.locator("#registration-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{6}", code)
    assert "Aisha" in page.content()
    page.screenshot(path=str(SHOTS / "signup-confirmation-phone.png"), full_page=True)

    mails = wait_until(lambda: stack.mail(to=email), timeout_s=240, interval_s=1,
                       message="the confirmation email")
    assert any("Delfshaven" in (m.get("subject", "") + m.get("text", "")) for m in mails)
    page.close()


def test_the_english_form_is_one_tap_away(stack, browser):
    meeting = stack.create_meeting()
    page = browser.new_page(viewport=PHONE, locale="nl-NL")  # a Dutch browser: the form opens in Dutch
    page.set_default_timeout(120_000)
    page.goto(stack.url("registration", f"/meetings/{meeting['id']}/aanmelden"))
    page.get_by_role("button", name="English").click()  # on a form the switch submits what was typed back
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("button", name="Sign up").is_visible()
    page.close()


def test_the_door_shows_each_arrivals_colour_without_reloading(stack, browser):
    meeting = stack.create_meeting(title="Wijkkracht Noord")
    residents = [stack.sign_up(meeting["id"], name=n, email=unique_email())
                 for n in ("Samira Bakkali", "Kees de Vries", "Nora Haddou")]
    email = f"deur.{uuid.uuid4().hex[:8]}@example.org"
    made = subprocess.run([sys.executable, "-m", "registration.cli", "create-organiser", email],
                          input="een-lang-wachtwoord\n", capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr

    page = browser.new_page(viewport={"width": 1024, "height": 768})
    page.set_default_timeout(120_000)
    page.goto(stack.url("registration", "/inloggen"))
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill("een-lang-wachtwoord")
    page.get_by_role("button", name="Inloggen").click()
    page.goto(stack.url("registration", f"/deur/{meeting['id']}"))
    for resident in residents:
        page.get_by_role("searchbox", name="Zoek op naam of code").fill(resident["code"])
        page.get_by_role("button", name="Zoeken").click()
        page.locator("#results").get_by_role("button", name=re.compile("Inchecken")).click()
        # The door's script checks in without a reload and says so in the notice.
        page.locator("#flash", has_text=f"Ingecheckt: {resident['request']['name']}").wait_for()
    # The colours come from matching by event; the page fills them in by itself.
    page.wait_for_function(
        "() => document.querySelectorAll('#arrivals .swatch:not(.pending)').length >= 3", timeout=240_000)
    page.screenshot(path=str(SHOTS / "door.png"), full_page=True)
    assert page.locator("#arrivals .arrival").count() == 3
    page.close()
