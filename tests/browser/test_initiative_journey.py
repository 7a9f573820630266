"""An initiative's contact on a phone (390×844, Chromium): registers the initiative with four roles (two added
with "Nog een rol toevoegen"), follows the link in the confirmation email to their own page, changes a role;
after an evening where they presented sees the resident who accepted one of their roles and the initiative
they were introduced to, answers that pair "interested" and records what they did together. The organiser's
series report then counts the pair accepted and the collaboration. Screenshots go to docs/screenshots/
(initiative-*.png)."""
import re

from tests.browser.support import PHONE, SHOTS, expect
from tests.e2e.test_initiative_page import Page, _register, page_link
from tests.e2e.test_reports import Evening, _settled
from tests.support import unique, unique_email, wait_until

ROLES = [("Kok", "Koken", "2"), ("Chauffeur", "Zorg", "1"), ("Taalmaatje", "Taal", "4"),
         ("Knutselhulp", "Kunst en cultuur", "3")]


def _register_on_the_form(page, stack, name, email):
    page.goto(stack.url("registration", "/initiatieven/aanmelden"))
    page.get_by_label("Naam van het initiatief").fill(name)
    page.locator("#description").fill("Surinaamse ouderen koken, knutselen en praten samen.")
    page.locator("#area").fill("Delfshaven")
    page.locator("#contact_name").fill("Mevrouw Oso")
    page.locator("#contact_email").fill(email)
    page.locator("#target_groups").get_by_label("Ouderen").check()
    page.locator("#themes").get_by_label("Ontmoeting").check()
    page.locator("#looking_for").get_by_label("Jongeren").check()
    while page.locator("fieldset.role").count() < len(ROLES):
        page.get_by_role("button", name="Nog een rol toevoegen").click()
    for n, (title, theme, capacity) in enumerate(ROLES):
        role = page.locator(f"#role_{n}")
        role.locator(f"#role_{n}_title").fill(title)
        role.get_by_label(theme, exact=True).check()
        role.locator(f"#role_{n}_capacity").fill(capacity)
    page.screenshot(path=str(SHOTS / "initiative-form-phone.png"), full_page=True)
    page.get_by_role("button", name=re.compile("aanmelden", re.I)).last.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dank je wel")
    for title, _, _ in ROLES:
        expect(page.locator("main")).to_contain_text(title)
    page.screenshot(path=str(SHOTS / "initiative-registered-phone.png"), full_page=True)


def _approve(stack, name) -> dict:
    found = [i for i in stack.get("registration", "/api/v1/initiatives", headers=stack.organiser).json()["initiatives"]
             if i["name"] == name]
    assert len(found) == 1 and found[0]["status"] == "pending"
    r = stack.post("registration", f"/api/v1/initiatives/{found[0]['id']}/approve", organiser=True)
    assert r.status_code == 200, r.text
    return r.json()


def test_an_initiative_registers_on_a_phone_and_follows_its_volunteer_and_partner_on_its_own_page(stack, browser, axe):
    tag = unique("telefoon")
    name, email = f"Tori Oso {tag}", unique_email("tori")
    page = browser.new_page(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="nl-NL",
                            bypass_csp=True)  # for axe-core, injected below
    page.set_default_timeout(30_000)
    _register_on_the_form(page, stack, name, email)
    tori = _approve(stack, name)
    assert [(r["title"], r["capacity"]) for r in tori["roles"]] == [(t, int(c)) for t, _, c in ROLES]
    assert tori["roles"][0]["themes"] == ["koken"]

    # The link in the confirmation email opens their own page; a role is renamed there.
    page.goto(page_link(stack, email))
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    page.get_by_text("Wat jullie doen, voor wie, en jullie rollen").click()  # the folded edit form
    page.locator("#role_1_title").fill("Chauffeur op zaterdag")
    page.get_by_role("button", name="Opslaan", exact=True).last.click()
    expect(page.locator("#flash")).to_contain_text("Opgeslagen")
    renamed = stack.get("registration", f"/api/v1/initiatives/{tori['id']}").json()["roles"]
    assert renamed[1]["title"] == "Chauffeur op zaterdag" and renamed[1]["id"] == tori["roles"][1]["id"]

    # An evening where they present beside Brug tussen jong en oud.
    brug = _register(stack, f"Brug tussen jong en oud {tag}", unique_email("brug"))
    evening = Evening(stack, f"Wijkkracht Post West {tag}", "2027-06-09T19:00:00+02:00", f"Delfshaven {tag}",
                      [tori["id"], brug["id"]])
    residents = [{"name": f"Bewoner {n} {tag}", "email": unique_email(), "postcode": "3024 AB"} for n in range(4)]
    for person in residents:
        evening.sign_up(person)
        evening.check_in(person)
    evening.start()
    evening.interests(residents[0], [tori["id"]])
    evening.close()
    evening.answer(residents[0], name, accept=True)

    volunteers = page.locator("#volunteers")
    wait_until(lambda: page.reload() and residents[0]["name"] in volunteers.inner_text(), 90, interval_s=1,
               message="the resident who accepted, on the initiative's page")
    expect(volunteers).to_contain_text(residents[0]["email"])
    partner = page.locator(f"#partner-{brug['id']}")
    expect(partner).to_contain_text(brug["name"])
    page.screenshot(path=str(SHOTS / "initiative-page-after-evening-phone.png"), full_page=True)
    page.get_by_text("Wat jullie doen, voor wie, en jullie rollen").click()
    assert axe(page) == [], "the initiative's page, everything unfolded"

    partner.get_by_role("button", name="Ja, we willen kennismaken").click()
    expect(page.locator("#flash")).to_contain_text("antwoord")
    assert Page(stack, page_link(stack, brug["contact_email"])).post(
        "/partners", {"meeting_id": evening.id, "partner_id": tori["id"], "answer": "interested"}).status_code == 200
    page.reload()
    expect(page.locator(f"#partner-{brug['id']}")).to_contain_text(brug["contact_email"])

    together = page.locator("#together")
    together.get_by_label("Met welk initiatief?").select_option(brug["id"])
    together.get_by_label("Wat hebben jullie gedaan?").fill("Kerststukjes gemaakt")
    together.get_by_role("button", name="Opslaan").click()
    expect(page.locator("#together")).to_contain_text("Kerststukjes gemaakt")
    page.screenshot(path=str(SHOTS / "initiative-page-together-phone.png"), full_page=True)

    # The page to ask for a lost link, and what a broken link shows, in English this time.
    page.goto(stack.url("registration", "/initiatieven/link?lang=en"))
    page.get_by_label("Email address or mobile number").fill("not an address")
    page.get_by_role("button", name="Send the link").click()
    expect(page.locator("#address-error")).to_contain_text("give an email address, or a mobile number")
    assert axe(page) == [], "the link page with an error"
    page.goto(page_link(stack, email)[:-3] + "?lang=en")
    expect(page.locator("#link-broken")).to_contain_text("does not work")
    assert axe(page) == [], "a broken link's page"
    page.close()

    _settled(stack, f"/api/v1/reports/series?meeting_ids={evening.id}",
             {"initiative_pairs_accepted": 1, "collaborations": 1})
