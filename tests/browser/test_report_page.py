"""An organiser opens the report of a short series (two evenings, seeded through the public API: residents
who came back, a walk-in) in headless Chromium: the headline in the seed's words, the four charts with their
text alternatives, the evenings' table; records a collaboration with the form; prints the page to an A4 PDF
without navigation or forms. The screenshot and the PDF go to docs/screenshots/ (report.png, report.pdf)."""
import re
import subprocess
import sys
import uuid

from tests.browser.support import SHOTS, playwright
from tests.support import unique_email, wait_until


def organiser_post(stack, path, body=None):
    r = stack.post("registration", path, body or {}, organiser=True)
    assert r.status_code in (200, 201), f"{path}: {r.status_code} {r.text}"
    return r.json()


def initiative(stack, name, run):
    return organiser_post(stack, "/api/v1/initiatives", {
        "name": f"{name} {run}", "description": "Samen iets doen in de wijk.", "area": "Delfshaven",
        "contact": {"name": "Contact", "email": unique_email("initiatief")}, "themes": ["ontmoeting"],
        "target_groups": ["iedereen"], "looking_for": ["ouderen"],
        "roles": [{"title": "Maatje", "description": "Een middag per week", "themes": ["ontmoeting"], "capacity": 3}]})


def evening(stack, title, venue, area, starts_at, initiative_ids, residents, walk_ins=()):
    """An evening from sign-up to close: ``residents`` (name, email, postcode) sign up and come; walk-ins too."""
    meeting = stack.create_meeting(title=title, venue=venue, area=area, starts_at=starts_at,
                                   initiative_ids=initiative_ids, partners=[])
    signed = [stack.sign_up(meeting["id"], name=name, email=email, postcode=postcode)
              for name, email, postcode in residents]
    organiser_post(stack, f"/api/v1/meetings/{meeting['id']}/open-checkin")
    for s in signed:
        organiser_post(stack, f"/api/v1/meetings/{meeting['id']}/checkins", {"registration_id": s["registration_id"]})
    for name in walk_ins:
        organiser_post(stack, f"/api/v1/meetings/{meeting['id']}/checkins", {
            "name": name, "email": unique_email("binnenloper"), "preferred_channel": "email", "languages": ["nl"],
            "interests": [], "consent": {"contact": True, "share_with_initiatives": False}})
    organiser_post(stack, f"/api/v1/meetings/{meeting['id']}/start")
    organiser_post(stack, f"/api/v1/meetings/{meeting['id']}/close")
    return meeting


def log_in(stack, browser):
    email = f"rapport.{uuid.uuid4().hex[:8]}@example.org"
    made = subprocess.run([sys.executable, "-m", "registration.cli", "create-organiser", email],
                          input="een-lang-wachtwoord\n", capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    page = browser.new_page(viewport={"width": 1200, "height": 900}, locale="nl-NL")
    page.set_default_timeout(120_000)
    page.goto(stack.url("registration", "/inloggen"))
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill("een-lang-wachtwoord")
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(re.compile(r"/organisator"))
    return page


def pdf_pages(data: bytes) -> int:
    """The page tree's count (Chromium writes it uncompressed)."""
    return max(int(n) for n in re.findall(rb"/Count\s+(\d+)", data))


def test_the_organiser_sees_the_series_in_the_seeds_words_with_charts_and_prints_it_on_a4(stack, browser):
    run = uuid.uuid4().hex[:6]
    tori, brug = initiative(stack, "Tori Oso", run), initiative(stack, "Brug tussen jong en oud", run)
    ids = [tori["id"], brug["id"]]
    first = [(f"Bewoner {i} {run}", unique_email("reeks"), postcode)
             for i, postcode in enumerate(["3024 AB", "3024 CD", "3031 AA", "3031 BB", "3011 AB", "3025 XY"])]
    returning = first[:3]
    new = [(f"Nieuw {i} {run}", unique_email("reeks"), "3024 EF") for i in range(2)]
    a = evening(stack, f"Wijkkracht Delfshaven {run}", "Post West", "Delfshaven", "2026-12-12T19:00:00+01:00",
                ids, first, walk_ins=[f"Wim {run}"])
    b = evening(stack, f"Wijkkracht Noord {run}", "wijkgebouw de Banier", "Noord", "2027-01-14T19:00:00+01:00",
                ids, returning + new)
    # 7 came to the first evening (6 signed up, 1 walk-in), 5 to the second (3 of them again): 9 residents.
    expected = "9 buurtbewoners namen deel aan 2 avonden"

    page = log_in(stack, browser)
    # The console links to the report.
    assert page.get_by_role("link", name="Rapport").first.get_attribute("href").startswith("/organisator/rapport")
    report_url = stack.url("registration", f"/organisator/rapport?meeting_ids={a['id']},{b['id']}")

    def headline():
        try:
            page.goto(report_url)
        except playwright.Error:  # the shared stack's api restarting: reload, as an organiser would
            return None
        text = page.locator("#headline").inner_text() if page.locator("#headline").count() else ""
        return text if text == expected else None

    # The figures are read models kept from events: they settle within seconds.
    wait_until(headline, timeout_s=180, interval_s=1, message=f"the headline '{expected}'")
    assert page.locator("#fig-attended").inner_text() == "12"
    assert page.locator("#fig-returning").inner_text() == "3"
    assert page.locator("#fig-walk-ins").inner_text() == "1"

    charts = page.locator("svg.chart[role=img]")
    assert charts.count() == 4
    titles = [charts.nth(i).locator("title").text_content() for i in range(4)]
    assert titles == ["Aanmeldingen en aanwezigen per avond", "Bewoners per wijk waar ze wonen",
                      "Per initiatief: van tafel tot vrijwilliger", "Nieuwe ontmoetingen en herhalingen per avond"]
    attendance = charts.nth(0).locator("desc").text_content()
    assert f"Wijkkracht Delfshaven {run}" in attendance and "Aanwezig: 7" in attendance and "Aanwezig: 5" in attendance
    funnel = charts.nth(2).locator("desc").text_content()
    assert f"Tori Oso {run}" in funnel and f"Brug tussen jong en oud {run}" in funnel
    rows = page.locator("#evening-table tbody tr")
    assert rows.count() == 2
    # Counts only: no resident's name anywhere in the report.
    assert f"Bewoner 0 {run}" not in page.content() and f"Wim {run}" not in page.content()

    # A collaboration recorded with the form shows in the list and in the count.
    page.get_by_label("Initiatief", exact=True).select_option(label=f"Tori Oso {run}")
    page.get_by_label("Samen met").select_option(label=f"Brug tussen jong en oud {run}")
    page.get_by_label(re.compile("^Na welke avond")).select_option(value=b["id"])
    page.get_by_label("Datum", exact=True).fill("2027-01-20")
    page.get_by_label("Wat deden ze samen?").fill("kerststukjes gemaakt")
    page.get_by_role("button", name="Samenwerking opslaan").click()
    assert "Samenwerking opgeslagen." in page.locator("#flash").inner_text()
    listed = page.locator("#collaboration-list li", has_text="kerststukjes gemaakt")
    assert listed.count() == 1 and f"Tori Oso {run}" in listed.inner_text()

    def collaborations_counted():
        page.goto(report_url)
        return page.locator("#fig-collaborations").inner_text() == "1"

    wait_until(collaborations_counted, timeout_s=60, interval_s=1, message="the collaboration counted")

    # CSV downloads of the series and of each evening, with the page's session.
    csv = page.request.get(stack.url("registration", page.locator("#csv-series").get_attribute("href")))
    assert csv.status == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "unique_residents" in csv.text() and f"Bewoner 0 {run}" not in csv.text()
    evening_csv = page.request.get(stack.url("registration", f"/organisator/rapport/avond/{a['id']}.csv"))
    assert evening_csv.status == 200 and "attended" in evening_csv.text()

    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "report.png"), full_page=True)

    # In print: no navigation, no forms or buttons; the headline and the charts stay.
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible()
    assert not page.get_by_role("button").first.is_visible()
    assert page.locator("form:visible").count() == 0
    assert page.locator("#headline").is_visible() and charts.nth(3).is_visible()
    pdf = page.pdf(path=str(SHOTS / "report.pdf"), format="A4", print_background=True, prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF")
    assert re.search(rb"/MediaBox\s*\[\s*0 0 59[45](\.\d+)? 84[12](\.\d+)?\s*\]", pdf)  # A4: 595 x 842 pt
    assert 1 <= pdf_pages(pdf) <= 4
    page.close()
