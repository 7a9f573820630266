"""Residents' ideas against the running stack: a resident opens the idea form from their evening page (in
Dutch, or in English when they signed up in English), a form with mistakes names each field and says why,
a good idea is kept and announced (``idea.shared``, with no text and no person data), the report counts it per
evening and theme, a pitch on its themes sees it (the resident's details only when they agreed), the list
behind a thanks message links to the same form, and erasing the resident takes their ideas with them."""
import html
import re

import pytest
import requests

from tests.integration.registration.kafka_events import TopicReader
from tests.support import unique, unique_email, wait_until

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _registration_store():
    from registration.adapters.store import Store
    from wijkkracht import mongo
    client = mongo.connect("registration")
    return Store(mongo.database(client, "registration")), client


def _initiative(stack, name: str, themes: list[str], pitch: bool = False) -> dict:
    r = stack.post("registration", "/api/v1/initiatives", {
        "name": name, "description": f"{name} in Delfshaven", "area": "Delfshaven",
        "contact": {"name": "Noor", "email": unique_email("initiatief")}, "themes": themes,
        "target_groups": ["iedereen"], "looking_for": [], "roles": [], "pitch": pitch}, organiser=True)
    assert r.status_code == 201, r.text
    return r.json()


def _evening_link(stack, meeting_id: str, person_id: str) -> str:
    from wijkkracht import config, evening_link  # the services' link key (development)
    return evening_link.url(stack.url("registration", ""), config.secret("LINK_SECRET", "registration"),
                            meeting_id, person_id)


def _page(session: requests.Session, url: str) -> str:
    r = session.get(url, timeout=10)
    assert r.status_code == 200, r.text[:300]
    return html.unescape(r.text)


def _post(session: requests.Session, url: str, fields: dict) -> requests.Response:
    page = session.get(url, timeout=10)
    return session.post(url, data={"csrf_token": CSRF.search(page.text).group(1), **fields}, timeout=10)


@pytest.fixture(scope="module")
def evening(stack):
    """An evening where the pitch Cretopia presents; Fatima signed up in Dutch, Sam in English."""
    tag = unique("ideeen")
    cretopia = _initiative(stack, f"Cretopia {tag}", ["kunst-cultuur"], pitch=True)
    kitchen = _initiative(stack, f"Young Kitchen {tag}", ["koken"])
    meeting = stack.create_meeting(title=f"Wijkkracht Delfshaven {tag}", area="Delfshaven",
                                   initiative_ids=[cretopia["id"]])
    fatima = stack.sign_up(meeting["id"], name="Fatima El Amrani")
    sam = stack.sign_up(meeting["id"], name="Sam Lee", language="en")
    return {"tag": tag, "meeting": meeting, "cretopia": cretopia, "kitchen": kitchen,
            "fatima": fatima, "sam": sam,
            "links": {who: _evening_link(stack, meeting["id"], r["person_id"]) for who, r in
                      (("fatima", fatima), ("sam", sam))}}


def test_the_evening_page_links_to_the_idea_form_in_the_residents_language(stack, evening):
    browser = requests.Session()
    page = _page(browser, evening["links"]["fatima"])
    assert "Heb je een idee voor de wijk?" in page and "/idee" in page
    form = _page(browser, evening["links"]["fatima"] + "/idee")
    assert "Deel je idee" in form and "Jouw idee" in form and "Kunst en cultuur" in form
    assert "Initiatieven mogen contact met mij opnemen over dit idee." in form
    english = _page(browser, evening["links"]["sam"] + "/idee")  # Sam signed up in English
    assert "Share your idea" in english and "Your idea" in english and "Art and culture" in english
    assert "Deel je idee" in _page(browser, evening["links"]["sam"] + "/idee?lang=nl")
    forged = evening["links"]["fatima"][:-4] + "AAAA/idee"
    r = browser.get(forged, timeout=10)
    assert r.status_code == 404 and "Fatima" not in r.text


def test_mistakes_are_named_by_field_in_dutch_and_in_english(stack, evening):
    browser = requests.Session()
    url = evening["links"]["fatima"] + "/idee"
    r = _post(browser, url, {"text": "  ", "may_contact": "yes"})
    assert r.status_code == 400
    page = html.unescape(r.text)
    assert "Jouw idee: Schrijf je idee op." in page  # the summary names the field, the message says why
    assert "E-mailadres: Vul je e-mailadres of telefoonnummer in" in page
    assert 'id="text-error"' in page and 'aria-invalid="true"' in page

    r = _post(browser, url, {"text": "x" * 1001, "phone": "12", "email": "niet-een-adres"})
    page = html.unescape(r.text)
    assert r.status_code == 400
    assert "Jouw idee: Je idee is te lang: hooguit 1000 tekens." in page
    assert "Telefoonnummer: Dit is geen geldig telefoonnummer" in page
    assert "E-mailadres: Dit is geen geldig e-mailadres" in page
    assert "x" * 1001 in page  # what was typed stays

    english = requests.Session()
    r = _post(english, evening["links"]["sam"] + "/idee", {"text": "", "themes": "no-such-theme"})
    page = html.unescape(r.text)
    assert r.status_code == 400
    assert "Your idea: Please write down your idea." in page
    assert "What is your idea about?: Choose a topic from the list." in page


def test_an_idea_is_kept_announced_counted_and_shown_to_a_pitch_on_its_themes(stack, evening):
    tag, meeting_id = evening["tag"], evening["meeting"]["id"]
    reader = TopicReader()
    fatima_email, sam_email = unique_email("idee"), unique_email("idee")
    try:
        browser = requests.Session()
        r = _post(browser, evening["links"]["fatima"] + "/idee", {
            "text": f"Een muurschildering bij de speeltuin {tag}", "themes": ["kunst-cultuur"],
            "name": "Fatima", "email": fatima_email, "may_contact": "yes"})
        assert r.status_code == 200 and "Dank je wel! We hebben je idee bewaard." in html.unescape(r.text)
        english = requests.Session()
        r = _post(english, evening["links"]["sam"] + "/idee", {
            "text": f"A cooking and drawing afternoon {tag}", "themes": ["kunst-cultuur", "koken"],
            "name": "Sam", "email": sam_email})  # details given, but not agreed to be contacted
        assert r.status_code == 200 and "Thank you! We saved your idea." in html.unescape(r.text)

        shared = reader.wait_for(lambda e: e["type"] == "idea.shared" and e["payload"]["meeting_id"] == meeting_id
                                 and len(reader_ids(reader, meeting_id)) >= 2, 60, what="two idea.shared")
        assert {tuple(sorted(e["payload"])) for e in shared} == {("idea_id", "meeting_id", "themes")}
        assert all(tag not in str(e) and "@" not in str(e) for e in shared)  # no text, no address
    finally:
        reader.close()

    def counted():
        r = stack.get("registration", f"/api/v1/reports/meetings/{meeting_id}", headers=stack.organiser)
        return r.json() if r.status_code == 200 and r.json().get("ideas") == 2 else None
    report = wait_until(counted, 60, interval_s=0.5, message="the ideas in the evening's report")
    assert report["ideas_by_theme"] == {"kunst-cultuur": 2, "koken": 1}

    from registration import ideas
    store, client = _registration_store()
    try:
        seen = [i for i in ideas.for_initiative(store, store.initiative(evening["cretopia"]["id"])) if tag in i["text"]]
        assert [i["text"] for i in seen] == [f"A cooking and drawing afternoon {tag}",
                                             f"Een muurschildering bij de speeltuin {tag}"]  # newest first
        assert seen[0]["contact"] is None
        assert seen[1]["contact"] == {"name": "Fatima", "email": fatima_email, "phone": None}
        assert seen[1]["meeting_title"] == evening["meeting"]["title"] and seen[1]["themes"] == ["kunst-cultuur"]
        # Young Kitchen presents nowhere yet: it sees the ideas on cooking from every evening, without Sam's details.
        kitchen = [i for i in ideas.for_initiative(store, store.initiative(evening["kitchen"]["id"]))
                   if tag in i["text"]]
        assert [(i["text"], i["contact"]) for i in kitchen] == [(f"A cooking and drawing afternoon {tag}", None)]
        rendered = _render_partial(store, seen)
        assert fatima_email in rendered and sam_email not in rendered
        assert "This resident did not ask to be contacted." in rendered
    finally:
        client.close()


def reader_ids(reader: TopicReader, meeting_id: str) -> set[str]:
    return {e["payload"]["idea_id"] for e in reader.events
            if e["type"] == "idea.shared" and e["payload"]["meeting_id"] == meeting_id}


def _render_partial(store, shown: list[dict]) -> str:
    """The partial an initiative's page includes, rendered as that page would (in English)."""
    from flask import render_template
    from registration.web.app import create_app
    app = create_app(store.db)
    with app.test_request_context("/"):
        return html.unescape(render_template("_initiative_ideas.html", ideas=shown, lang="en"))


def test_the_list_behind_a_thanks_message_links_to_the_idea_form(stack, evening):
    """matching's /a/<token> (the thanks message's short link) signs the same evening link with /idee."""
    from matching.web.answers import idea_url
    meeting_id, person_id = evening["meeting"]["id"], evening["sam"]["person_id"]
    url = idea_url(meeting_id, person_id, "en")
    assert url == _evening_link(stack, meeting_id, person_id) + "/idee?lang=en"
    assert "Share your idea" in _page(requests.Session(), url)


def test_erasing_a_resident_removes_their_ideas_and_keeps_the_count(stack, evening):
    tag, meeting_id = evening["tag"], evening["meeting"]["id"]
    browser = requests.Session()
    r = _post(browser, evening["links"]["fatima"] + "/idee", {
        "text": f"Een fotowedstrijd {tag}", "themes": ["kunst-cultuur"], "name": "Fatima El Amrani",
        "phone": "06 12345678", "may_contact": "yes"})
    assert r.status_code == 200
    from registration import ideas
    store, client = _registration_store()
    try:
        def mine():
            return [i for i in ideas.for_initiative(store, store.initiative(evening["cretopia"]["id"]))
                    if tag in i["text"] and i["contact"] and i["contact"]["name"] == "Fatima El Amrani"]
        assert mine()[0]["contact"]["phone"] == "+31612345678"
        before = wait_until(lambda: (n := _ideas_counted(stack, meeting_id)) >= 1 and n, 60, message="counted")
        export = f"/api/v1/people/{evening['fatima']['person_id']}/export"
        exported = stack.get("registration", export, headers=stack.organiser).json()["ideas"]
        assert f"Een fotowedstrijd {tag}" in [i["text"] for i in exported]  # what they left, shown to them
        erased = stack.http.delete(stack.url("registration", f"/api/v1/people/{evening['fatima']['person_id']}"),
                                   headers=stack.organiser, timeout=10)
        assert erased.status_code == 200, erased.text
        assert mine() == []
        assert store.ideas_of_person(evening["fatima"]["person_id"]) == []
        assert stack.get("registration", export, headers=stack.organiser).json()["ideas"] == []
        assert not [i for i in ideas.for_initiative(store, store.initiative(evening["cretopia"]["id"]))
                    if tag in i["text"] and ("Fatima" in str(i) or "speeltuin" in i["text"])]
        assert _ideas_counted(stack, meeting_id) >= before  # the report's counts stay
    finally:
        client.close()


def _ideas_counted(stack, meeting_id: str) -> int:
    r = stack.get("registration", f"/api/v1/reports/meetings/{meeting_id}", headers=stack.organiser)
    return r.json().get("ideas", 0) if r.status_code == 200 else 0
