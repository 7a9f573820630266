"""An initiative's contact registers on a phone (390×844, Dutch): a failed submit puts the focus on the error
summary, "Nog een rol toevoegen" gives a third and a fourth role row (each role with its own themes), Enter in
a field registers, and the confirmation page sums up the four roles. axe-core finds nothing on either page.
A screenshot of the error summary goes to docs/screenshots/ (the form and its confirmation are taken by
test_initiative_journey.py)."""
import re
import uuid

from tests.browser.support import PHONE, SHOTS
from tests.support import unique_email

ROLES = [("Kok", ["Koken"], "3"), ("Chauffeur", ["Ontmoeting", "Zorg"], "2"),
         ("Taalmaatje", ["Taal", "Educatie"], "5"), ("Tuinier", ["Tuinieren"], "1")]


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def fill_role(page, n: int, title: str, themes: list[str], capacity: str):
    role = page.get_by_role("group", name=f"Rol {n}", exact=True)
    role.get_by_label(re.compile("^Titel")).fill(title)
    role.get_by_label(re.compile("^Wat doet een vrijwilliger")).fill(f"{title} op woensdagmiddag")
    for theme in themes:
        role.get_by_label(theme, exact=True).check()
    role.get_by_label(re.compile("^Hoeveel vrijwilligers")).fill(capacity)


def test_an_initiative_registers_four_roles_on_a_phone_and_sees_them_summed_up(stack, browser, axe):
    page = browser.new_page(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="nl-NL",
                            bypass_csp=True)  # for axe-core's script only
    page.set_default_timeout(60_000)
    page.goto(stack.url("registration", "/initiatieven/aanmelden"))
    assert page.locator("html").get_attribute("lang") == "nl"

    # An empty submit: the summary has the focus and names each field, with why.
    page.get_by_role("button", name="Initiatief aanmelden", exact=True).click()
    page.wait_for_selector("#errors")
    assert page.evaluate("document.activeElement.id") == "errors"
    summary = page.locator("#errors").inner_text()
    assert "Naam van het initiatief: Vul de naam van jullie initiatief in." in summary
    assert "Contactpersoon – naam: Vul de naam van de contactpersoon in." in summary
    assert not axe(page)
    page.screenshot(path=str(SHOTS / "initiative-form-errors-phone.png"))

    name = f"Buurtkeuken West {uuid.uuid4().hex[:6]}"
    page.get_by_label("Naam van het initiatief", exact=True).fill(name)
    page.get_by_label(re.compile("^Wat doen jullie")).fill("Elke woensdag koken en eten we samen met buren.")
    page.get_by_label(re.compile("^Wijk")).fill("Delfshaven")
    contact = page.get_by_role("group", name="Contactpersoon")
    contact.get_by_label("Naam", exact=True).fill("Ilse de Boer")
    contact.get_by_label(re.compile("^E-mailadres")).fill(unique_email("initiatief"))
    page.get_by_role("group", name="Voor wie?").get_by_label("Ouderen").check()
    page.get_by_role("group", name="Waar gaat het over?").get_by_label("Koken").check()
    page.get_by_role("group", name="Mensen uit deze groepen").get_by_label("Jongeren").check()
    page.get_by_role("group", name="Mensen met zin in of verstand van").get_by_label("Koken").check()

    fill_role(page, 1, *ROLES[0])
    fill_role(page, 2, *ROLES[1])
    for n in (3, 4):
        page.get_by_role("button", name="Nog een rol toevoegen").click()
        page.wait_for_selector(f"#role_{n - 1}_title")
        assert page.evaluate("document.activeElement.id") == f"role_{n - 1}_title"  # the new row, ready to type
        assert page.locator("#errors").count() == 0
        fill_role(page, n, *ROLES[n - 1])
    # What was typed before the rows were added is all still there.
    assert page.get_by_label("Naam van het initiatief", exact=True).input_value() == name
    assert page.get_by_role("group", name="Rol 2", exact=True).get_by_label("Ontmoeting", exact=True).is_checked()
    page.get_by_label("We komen ideeën ophalen bij bewoners").check()
    assert fits_the_phone(page)

    # Enter in a field (a phone keyboard's "Go") registers, rather than switching the language.
    page.locator("#role_3_capacity").press("Enter")
    page.wait_for_selector("#initiative-reference")
    assert page.get_by_role("heading", level=1).inner_text() == "Dank je wel! Jullie initiatief is aangemeld."
    assert page.locator("#initiative-name").inner_text() == name
    assert re.fullmatch(r"[0-9A-F]{8}", page.locator("#initiative-reference").inner_text())
    assert "Wacht op controle" in page.locator("#initiative-status").inner_text()
    assert "e-mail" in page.locator("#initiative-sent").inner_text()
    cards = page.locator("#initiative-roles > li")
    assert cards.count() == 4
    for i, (title, themes, capacity) in enumerate(ROLES):
        card = cards.nth(i).inner_text()
        assert title in card and ", ".join(themes) in card and capacity in card, card
    assert "/initiatief/" not in page.content(), "the page's link goes to the contact only"
    assert fits_the_phone(page)
    assert not axe(page)
    page.close()
