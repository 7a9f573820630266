"""An initiative's own page, through the public paths only: the link comes in its confirmation email; it shows
its evenings and tables; after the evening the resident who accepted one of its roles (with their details),
the initiative it was introduced to, whose answer both ways makes the pair accepted (each then sees the
other's details); a follow-up and "we did something together" reach the organiser's series report.
And one initiative's link never opens another's page or acts on another's residents or pairs."""
import html
import re
import uuid

import pytest
import requests

from tests.e2e.test_reports import Evening, _settled, matches_page, organiser_browser
from tests.support import unique, unique_email, wait_until

PAGE_LINK = re.compile(r"https?://\S+?/initiatief/([A-Za-z0-9_-]+)")


def _register(stack, name, contact_email, theme="ontmoeting", language="nl"):
    r = stack.post("registration", "/api/v1/initiatives", {
        "name": name, "description": f"{name}: samen in de wijk", "area": "Delfshaven", "language": language,
        "contact": {"name": f"Contact {name}", "email": contact_email}, "themes": [theme],
        "target_groups": ["ouderen", "jongeren"], "looking_for": ["ouderen", "jongeren", theme],
        "roles": [{"title": f"Gastvrouw {name}", "description": "Koffie en thee", "themes": [theme], "capacity": 3}]},
        organiser=True)
    assert r.status_code == 201, r.text
    return {**r.json(), "contact_email": contact_email}


def page_link(stack, contact_email) -> str:
    """The link to the initiative's page, as its contact finds it in the confirmation email."""
    def found():
        for mail in stack.mail(to=contact_email):
            match = PAGE_LINK.search(mail["text"])
            if match:
                return stack.url("registration", f"/initiatief/{match.group(1)}")
        return None
    return wait_until(found, 60, interval_s=0.5, message="the confirmation with the page's link")


class Page:
    """An initiative's contact in a browser of their own."""

    def __init__(self, stack, link):
        self.stack, self.link, self.browser = stack, link, requests.Session()

    def text(self, lang="nl") -> str:
        r = self.browser.get(self.link, params={"lang": lang}, timeout=10)
        assert r.status_code == 200, r.status_code
        return html.unescape(r.text)

    def post(self, path: str, data: dict) -> requests.Response:
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', self.browser.get(self.link, timeout=10).text).group(1)
        return self.browser.post(self.link + path, data={"csrf_token": csrf, **data}, timeout=10)


@pytest.fixture(scope="module")
def run(stack):
    """One evening at which Tori Oso, Brug tussen jong en oud and De Keuken present; afterwards one resident
    accepts Tori Oso's role and another De Keuken's."""
    tag = unique("pagina")
    tori = _register(stack, f"Tori Oso {tag}", unique_email("tori"))
    brug = _register(stack, f"Brug tussen jong en oud {tag}", unique_email("brug"))
    keuken = _register(stack, f"De Keuken {tag}", unique_email("keuken"), theme="koken")
    pages = {i["id"]: Page(stack, page_link(stack, i["contact_email"])) for i in (tori, brug, keuken)}
    evening = Evening(stack, f"Wijkkracht Delfshaven {tag}", "2027-05-12T19:00:00+02:00", f"Delfshaven {tag}",
                      [tori["id"], brug["id"], keuken["id"]])
    before = pages[tori["id"]].text()
    residents = [{"name": f"Bewoner {n} {tag}", "email": unique_email(), "postcode": "3024 AB"} for n in range(6)]
    for person in residents:
        evening.sign_up(person)
        evening.check_in(person)
    evening.start()
    during = wait_until(lambda: t if "Ronde 1" in (t := pages[tori["id"]].text()) else None, 60, interval_s=0.5,
                        message="the timetable on Tori Oso's page")
    evening.interests(residents[0], [tori["id"]])
    evening.interests(residents[1], [tori["id"], brug["id"]])
    evening.interests(residents[2], [keuken["id"]])
    evening.close()
    evening.answer(residents[0], tori["name"], accept=True)
    evening.answer(residents[2], keuken["name"], accept=True)
    return {"tori": tori, "brug": brug, "keuken": keuken, "pages": pages, "evening": evening,
            "residents": residents, "before": before, "during": during}


def test_an_initiative_follows_its_evening_its_volunteer_and_its_partner_on_its_own_page(stack, run):
    tori, brug, evening, residents = run["tori"], run["brug"], run["evening"], run["residents"]
    tori_page, brug_page = run["pages"][tori["id"]], run["pages"][brug["id"]]
    assert tori["name"] in run["before"] and evening.title in run["before"]
    assert "Ronde 1" in run["during"] and "Tafel" in run["during"], "which table Tori Oso sits at, and when"

    after = wait_until(lambda: t if residents[0]["name"] in (t := tori_page.text()) else None, 60, interval_s=0.5,
                       message="the resident who accepted on Tori Oso's page")
    assert residents[0]["email"] in after, "who accepted shares their details with the initiative"
    assert residents[2]["name"] not in after and residents[1]["name"] not in after, "nobody else is named"
    assert "2 bewoners wilden meer weten" in after
    assert brug["name"] in after, "the partner matching introduced"
    assert brug["contact_email"] not in after, "the partner's details only once both said yes"

    r = tori_page.post("/vrijwilligers", {"meeting_id": evening.id, "person_id": residents[0]["id"],
                                          "role_id": tori["roles"][0]["id"], "outcome": "started"})
    assert r.status_code == 200 and "opgeslagen" in r.text
    export = stack.get("registration", f"/api/v1/people/{residents[0]['id']}/export", headers=stack.organiser).json()
    assert [(f["initiative_id"], f["outcome"]) for f in export["followups"]] == [(tori["id"], "started")]

    assert tori_page.post("/partners", {"meeting_id": evening.id, "partner_id": brug["id"],
                                        "answer": "interested"}).status_code == 200
    assert "We wachten op het andere initiatief" in tori_page.text()
    assert brug_page.post("/partners", {"meeting_id": evening.id, "partner_id": tori["id"],
                                        "answer": "interested"}).status_code == 200
    assert brug["contact_email"] in tori_page.text(), "both said yes: each sees the other's details"
    assert tori["contact_email"] in brug_page.text()

    r = tori_page.post("/samen", {"partner_id": brug["id"], "date": "2026-11-20",
                                  "description": "Kerststukjes gemaakt"})
    assert r.status_code == 200 and "Kerststukjes gemaakt" in html.unescape(r.text)

    assert "Allebei geïnteresseerd" in matches_page(stack, organiser_browser(stack), evening), \
        "the organiser sees the pair accepted"
    series = f"/api/v1/reports/series?meeting_ids={evening.id}"
    _settled(stack, series, {"initiative_pairs_accepted": 1, "collaborations": 1, "volunteers_matched": 2})


def test_an_initiatives_link_opens_its_own_page_only_and_acts_on_its_own_residents_and_pairs_only(stack, run):
    tori, keuken, evening, residents = run["tori"], run["keuken"], run["evening"], run["residents"]
    tori_page, keuken_page = run["pages"][tori["id"]], run["pages"][keuken["id"]]
    wait_until(lambda: residents[2]["name"] in keuken_page.text(), 60, interval_s=0.5,
               message="De Keuken's volunteer on its page")
    mine = tori_page.text()
    assert f"<h1>{tori['name']}</h1>" in mine and f"<h1>{keuken['name']}</h1>" not in mine
    assert keuken["contact_email"] not in mine, "no pair of theirs was accepted: their details stay theirs"
    assert residents[2]["name"] not in mine and residents[2]["email"] not in mine

    # Another initiative's volunteer, through Tori Oso's link: refused, and De Keuken's page shows no answer.
    r = tori_page.post("/vrijwilligers", {"meeting_id": evening.id, "person_id": residents[2]["id"],
                                          "role_id": keuken["roles"][0]["id"], "outcome": "not_a_fit"})
    assert r.status_code == 404
    assert 'value="not_a_fit" checked' not in keuken_page.text()
    # A pair Tori Oso is not part of (De Keuken's answer, given through Tori Oso's link): refused.
    for partner in (tori["id"], "0" * 32):
        assert tori_page.post("/partners", {"meeting_id": evening.id, "partner_id": partner,
                                            "answer": "interested"}).status_code == 404

    # Altered, cut, another purpose's or no token: the same 404, naming nobody.
    token = tori_page.link.rsplit("/", 1)[1]
    flipped = ("B" if token[5] != "B" else "C").join([token[:5], token[6:]])
    for url in (tori_page.link[:-4], tori_page.link.rsplit("/", 1)[0] + "/" + flipped,
                stack.url("registration", "/initiatief/"), stack.url("registration", f"/initiatief/{tori['id']}")):
        r = requests.get(url, timeout=10)
        assert r.status_code == 404 and tori["name"] not in r.text

    # A new link goes to the contact's own address, and the page says the same for an unknown one.
    asker = requests.Session()
    for email in (keuken["contact_email"], unique_email("onbekend")):
        page = asker.get(stack.url("registration", "/initiatieven/link"), timeout=10).text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        r = asker.post(stack.url("registration", "/initiatieven/link"), data={"csrf_token": csrf, "address": email},
                       timeout=10)
        assert r.status_code == 200 and "Als dit adres bij een initiatief hoort" in html.unescape(r.text)
        assert "/initiatief/" not in r.text
    wait_until(lambda: len([m for m in stack.mail(to=keuken["contact_email"]) if PAGE_LINK.search(m["text"])]) >= 2,
               60, interval_s=0.5, message="the link again, to De Keuken's contact")

    # A contact with only a phone asks by their number, typed as people do, and gets the link by SMS.
    digits = f"12{uuid.uuid4().int % 10**6:06d}"
    r = stack.post("registration", "/api/v1/initiatives", {
        "name": f"Buurtkeuken {digits}", "contact": {"name": "Meneer Telefoon", "phone": f"06{digits}"}}, organiser=True)
    assert r.status_code == 201, r.text
    wait_until(lambda: len(stack.sms(to=f"+316{digits}")) >= 1, 60, interval_s=0.5, message="the confirmation SMS")
    page = asker.get(stack.url("registration", "/initiatieven/link"), timeout=10).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = asker.post(stack.url("registration", "/initiatieven/link"),
                   data={"csrf_token": csrf, "address": f"06-{digits[:2]} {digits[2:]}"}, timeout=10)
    assert r.status_code == 200 and "Als dit adres bij een initiatief hoort" in html.unescape(r.text)
    texts = wait_until(lambda: m if len(m := stack.sms(to=f"+316{digits}")) >= 2 else None, 60, interval_s=0.5,
                       message="the link again, by SMS")
    assert all(PAGE_LINK.search(m["body"]) for m in texts), [m["body"] for m in texts]

    # Erasing the resident reaches the initiative's page.
    assert requests.delete(stack.url("registration", f"/api/v1/people/{residents[2]['id']}"),
                           headers=stack.organiser, timeout=10).status_code == 200
    assert residents[2]["name"] not in keuken_page.text() and residents[2]["email"] not in keuken_page.text()

    # Erasing De Keuken's contact: their link stops working; a new contact gets a new link of their own.
    assert requests.delete(stack.url("registration", f"/api/v1/initiatives/{keuken['id']}/contact"),
                           headers=stack.organiser, timeout=10).status_code == 200
    gone = requests.get(keuken_page.link, timeout=10)
    assert gone.status_code == 404 and keuken["name"] not in gone.text and "nieuwe aan" in html.unescape(gone.text)
    newcomer = unique_email("keuken-nieuw")
    assert requests.put(stack.url("registration", f"/api/v1/initiatives/{keuken['id']}/contact"),
                        json={"name": "Nieuwe contactpersoon", "email": newcomer}, headers=stack.organiser,
                        timeout=10).status_code == 200
    assert keuken["name"] in Page(stack, page_link(stack, newcomer)).text()
    assert keuken["contact_email"] not in Page(stack, page_link(stack, newcomer)).text()


def test_an_initiative_registered_on_the_english_form_hears_in_english_and_its_page_speaks_english(stack):
    """Through the form, not the API: the form's language becomes the initiative's, for every message and its
    page (which the Dutch-speaking organiser's approval does not change)."""
    browser = requests.Session()
    form = browser.get(stack.url("registration", "/initiatieven/aanmelden?lang=en"), timeout=10).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    name, email = f"Cretopia {unique('en')}", unique_email("cretopia")
    r = browser.post(stack.url("registration", "/initiatieven/aanmelden"), timeout=10, data={
        "csrf_token": csrf, "lang": "en", "name": name, "contact_name": "Sam", "contact_email": email,
        "themes": ["kunst-cultuur"], "role_rows": "1", "role_0_title": "Muralist", "role_0_capacity": "2"})
    assert r.status_code == 200 and "Thank you" in r.text
    mail = wait_until(lambda: next(iter(stack.mail(to=email)), None), 60, interval_s=0.5, message="the confirmation")
    assert mail["subject"] == f"Registration received: {name}" and "Muralist" in mail["text"]
    page = requests.get(stack.url("registration", "/initiatief/" + PAGE_LINK.search(mail["text"]).group(1)),
                        timeout=10)
    assert page.status_code == 200 and '<html lang="en">' in page.text and "Your evenings" in page.text
