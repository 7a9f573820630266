"""A resident leaves an idea on a phone (Chromium, 390 px wide): from their evening page to the form, a
submit with mistakes puts the focus on the error summary naming the fields, the language switch keeps what
was typed, the saved idea says thank you; axe finds no violations on any of these screens."""
import uuid

import pytest

from tests.browser.support import PHONE, SHOTS
from tests.support import unique_email


@pytest.fixture(scope="module")
def phone(browser):
    page = browser.new_page(viewport=PHONE, bypass_csp=True, is_mobile=True, has_touch=True, locale="nl-NL")
    page.set_default_timeout(30_000)
    yield page
    page.context.close()


def test_a_resident_leaves_an_idea_on_a_phone(stack, phone, axe):
    from wijkkracht import config, evening_link
    meeting = stack.create_meeting(title=f"Wijkkracht Delfshaven {uuid.uuid4().hex[:6]}", area="Delfshaven")
    resident = stack.sign_up(meeting["id"], name="Amina Yilmaz", email=unique_email("idee"))
    link = evening_link.url(stack.url("registration", ""), config.secret("LINK_SECRET", "registration"),
                            meeting["id"], resident["person_id"])

    phone.goto(link)
    assert axe(phone) == []
    phone.get_by_role("link", name="Deel je idee").click()
    assert phone.get_by_role("heading", level=1).inner_text() == "Deel je idee"
    assert axe(phone) == []

    phone.get_by_label("Initiatieven mogen contact met mij opnemen over dit idee.").check()
    phone.get_by_role("button", name="Idee versturen").click()
    phone.wait_for_function("document.activeElement && document.activeElement.id === 'errors'")  # site.js, deferred
    summary = phone.locator("#errors").inner_text()
    assert "Jouw idee: Schrijf je idee op." in summary
    assert "E-mailadres: Vul je e-mailadres of telefoonnummer in" in summary
    assert axe(phone) == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SHOTS / "idea-errors-phone.png"), full_page=True)

    phone.get_by_label("Jouw idee").fill("Een kunstroute langs de muurschilderingen in de wijk")
    phone.get_by_label("Kunst en cultuur").check()
    phone.locator("button.lang").click()  # to English, what was typed kept
    assert phone.get_by_role("heading", level=1).inner_text() == "Share your idea"
    assert phone.get_by_label("Your idea").input_value().startswith("Een kunstroute")
    assert phone.get_by_label("Art and culture").is_checked()
    phone.get_by_label("Phone number").fill("06 12345678")
    phone.get_by_role("button", name="Send my idea").click()
    assert phone.locator("#idea-saved").inner_text() == "Thank you! We saved your idea."
    assert axe(phone) == []
