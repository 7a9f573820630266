"""The report's figures of issue 12, through the public paths: an evening where Tori Oso, Brug tussen jong en
oud and the pitch Cretopia present; residents leave ideas from the link in their colour email; after the
evening Tori Oso and Brug both say interested to each other (the pair accepted) and say what became of the
residents who accepted their roles, changing their mind once; the pitch and Tori Oso see the ideas on their
themes on their own pages. The evening's report counts the ideas per
theme, the pair and each initiative's follow-ups (the latest answer); the series counts ideas, the pair and
the volunteers who started; the report page and the CSV show the same. Events delivered again (as after a
crash) change nothing, and an earlier follow-up arriving late does not replace a later one."""
import html
import json
import re

import pytest
import requests
from kafka import KafkaProducer
from wijkkracht import topics

from tests.e2e.test_initiative_page import Page, _register, page_link
from tests.e2e.test_reports import Evening, _csv, _report, _settled, organiser_browser
from tests.integration.registration.kafka_events import TopicReader
from tests.support import unique, unique_email, wait_until

EVENING_LINK = re.compile(r"https?://[^\s\"<]+/t/[A-Za-z0-9_-]{55}")


def _evening_link(stack, email: str) -> str:
    """The evening page link in a resident's colour email."""
    def found():
        for mail in stack.mail(to=email):
            match = EVENING_LINK.search(mail.get("text", ""))
            if match:
                return match.group(0)
        return None
    return wait_until(found, 120, interval_s=0.5, message="the colour email with the evening link")


def _leave_idea(link: str, fields: dict):
    browser = requests.Session()
    form = browser.get(link + "/idee", timeout=10)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    r = browser.post(link + "/idee", data={"csrf_token": csrf, **fields}, timeout=10)
    assert r.status_code == 200 and "We hebben je idee bewaard." in html.unescape(r.text), r.text[:300]


def _volunteer_role(initiative: dict) -> str:
    return initiative["roles"][0]["id"]


@pytest.fixture(scope="module")
def run(stack):
    tag = unique("rapport12")
    tori = _register(stack, f"Tori Oso {tag}", unique_email("tori"))
    brug = _register(stack, f"Brug tussen jong en oud {tag}", unique_email("brug"))
    cretopia = _register(stack, f"Cretopia {tag}", unique_email("cretopia"), theme="kunst-cultuur")
    pages = {i["id"]: Page(stack, page_link(stack, i["contact_email"])) for i in (tori, brug, cretopia)}
    evening = Evening(stack, f"Wijkkracht Delfshaven {tag}", "2027-06-09T19:00:00+02:00", f"Delfshaven {tag}",
                      [tori["id"], brug["id"], cretopia["id"]])
    residents = [{"name": f"Bewoner {n} {tag}", "email": unique_email(), "postcode": "3024 AB"} for n in range(6)]
    for person in residents:
        evening.sign_up(person)
        evening.check_in(person)
    evening.start()

    # During the evening two residents leave ideas from their evening page (one on two themes).
    _leave_idea(_evening_link(stack, residents[0]["email"]), {
        "text": f"Een muurschildering met de kinderen {tag}", "themes": ["kunst-cultuur", "ontmoeting"]})
    _leave_idea(_evening_link(stack, residents[1]["email"]), {
        "text": f"Een open podium in het buurthuis {tag}", "themes": ["kunst-cultuur"], "name": "Bewoner 1",
        "email": residents[1]["email"], "may_contact": "yes"})

    evening.interests(residents[0], [tori["id"]])
    evening.interests(residents[1], [tori["id"], brug["id"]])
    evening.interests(residents[2], [brug["id"]])
    evening.close()
    evening.answer(residents[0], tori["name"], accept=True)
    evening.answer(residents[1], tori["name"], accept=True)
    evening.answer(residents[2], brug["name"], accept=True)

    # Tori Oso and Brug say interested to each other: the pair is accepted.
    for mine, partner in ((tori, brug), (brug, tori)):
        page = pages[mine["id"]]
        wait_until(lambda page=page, partner=partner: partner["name"] in page.text(), 60, interval_s=0.5,
                   message="the partner on the initiative's page")
        r = page.post("/partners", {"meeting_id": evening.id, "partner_id": partner["id"], "answer": "interested"})
        assert r.status_code == 200, r.text[:300]

    # What became of the volunteers: Tori Oso first says contacted, then started, for resident 0.
    def follow_up(initiative, person, outcome):
        page = pages[initiative["id"]]
        wait_until(lambda: person["name"] in page.text(), 60, interval_s=0.5,
                   message="the volunteer on the initiative's page")
        r = page.post("/vrijwilligers", {"meeting_id": evening.id, "person_id": person["id"],
                                         "role_id": _volunteer_role(initiative), "outcome": outcome})
        assert r.status_code == 200, r.text[:300]
    follow_up(tori, residents[0], "contacted")
    follow_up(tori, residents[0], "started")
    follow_up(tori, residents[1], "not_a_fit")
    follow_up(brug, residents[2], "started")
    return {"tag": tag, "tori": tori, "brug": brug, "cretopia": cretopia, "evening": evening,
            "residents": residents, "pages": pages}


def _rows(report: dict) -> dict:
    return {row["initiative_id"]: row for row in report["initiatives"]}


EXPECTED_EVENING = {"ideas": 2, "ideas_by_theme": {"kunst-cultuur": 2, "ontmoeting": 1},
                    "attended": 6}


def test_the_evening_and_the_series_count_ideas_pairs_and_what_became_of_the_volunteers(stack, run):
    tori, brug, evening = run["tori"], run["brug"], run["evening"]
    meeting = f"/api/v1/reports/meetings/{evening.id}"
    report = _settled(stack, meeting, {**EXPECTED_EVENING, "initiative_pairs": {
        "proposed": len(evening.matches["initiatives"]), "accepted": 1}})
    rows = wait_until(lambda: r if (r := _rows(_report(stack, meeting)))[tori["id"]]["followed_up"]["not_a_fit"] == 1
                      and r[brug["id"]]["followed_up"]["started"] == 1 else None, 60, interval_s=0.5,
                      message="the follow-ups in the evening's report")
    assert rows[tori["id"]]["followed_up"] == {"contacted": 0, "started": 1, "not_a_fit": 1}  # the latest answer
    assert rows[brug["id"]]["followed_up"] == {"contacted": 0, "started": 1, "not_a_fit": 0}
    assert rows[run["cretopia"]["id"]]["followed_up"] == {"contacted": 0, "started": 0, "not_a_fit": 0}
    assert (rows[tori["id"]]["accepted"], rows[brug["id"]]["accepted"]) == (2, 1)
    assert "muurschildering" not in json.dumps(report) and "podium" not in json.dumps(report)  # counts, no text

    series = f"/api/v1/reports/series?meeting_ids={evening.id}"
    expected_series = {"ideas": 2, "initiative_pairs_accepted": 1, "volunteers_started": 2, "volunteers_matched": 3}
    _settled(stack, series, expected_series)

    _, csv_rows = _csv(stack, meeting)
    figures = {(f, d): v for f, d, v in csv_rows}
    assert figures[("ideas", "")] == "2"
    assert (figures[("ideas_by_theme", "kunst-cultuur")], figures[("ideas_by_theme", "ontmoeting")]) == ("2", "1")
    assert figures[("initiative_pairs_accepted", "")] == "1"
    assert (figures[("initiative_followed_up_started", tori["name"])],
            figures[("initiative_followed_up_not_a_fit", tori["name"])],
            figures[("initiative_followed_up_contacted", tori["name"])]) == ("1", "1", "0")
    _, csv_rows = _csv(stack, series)
    figures = {(f, d): v for f, d, v in csv_rows}
    assert {name: figures[(name, "")] for name in expected_series} == {k: str(v) for k, v in expected_series.items()}


def test_initiatives_on_an_ideas_themes_see_it_on_their_page_with_details_only_when_agreed(stack, run):
    tag, residents = run["tag"], run["residents"]
    cretopia = run["pages"][run["cretopia"]["id"]].text()  # the pitch: art and culture
    assert f"Een muurschildering met de kinderen {tag}" in cretopia
    assert f"Een open podium in het buurthuis {tag}" in cretopia
    assert residents[1]["email"] in cretopia, "resident 1 agreed to be contacted"
    assert residents[0]["email"] not in cretopia and "Deze bewoner vroeg niet om contact." in cretopia
    tori = run["pages"][run["tori"]["id"]].text()  # meeting people: only the idea on that theme
    assert f"Een muurschildering met de kinderen {tag}" in tori and "Een open podium" not in tori


def test_the_report_page_shows_them_in_dutch_and_english(stack, run):
    tori, evening = run["tori"], run["evening"]
    _settled(stack, f"/api/v1/reports/series?meeting_ids={evening.id}", {"volunteers_started": 2, "ideas": 2})
    browser = organiser_browser(stack)
    page = html.unescape(browser.get(stack.url("registration", "/organisator/rapport"),
                                     params={"meeting_ids": evening.id}, timeout=10).text)
    assert re.search(r'id="fig-ideas">2<', page) and re.search(r'id="fig-volunteers-started">2<', page)
    assert re.search(r'id="fig-pairs">1<', page)
    assert "Wat werd er van de vrijwilligers?" in page and "Ideeën per onderwerp" in page
    follow = page.split('id="followed-up-table"', 1)[1].split("</table>", 1)[0]
    tori_row = follow.split(tori["name"], 1)[1].split("</tr>", 1)[0]
    assert re.findall(r'<td class="num">(\d+)</td>', tori_row) == ["2", "0", "1", "1"]  # accepted, then outcomes
    ideas = page.split('id="ideas-table"', 1)[1].split("</table>", 1)[0]
    assert re.search(r"Kunst en cultuur</th><td class=\"num\">2<", ideas)
    english = html.unescape(browser.get(stack.url("registration", "/organisator/rapport"),
                                        params={"meeting_ids": evening.id, "lang": "en"}, timeout=10).text)
    assert "What became of the volunteers?" in english and "Ideas per topic" in english
    assert "Art and culture" in english and "Volunteers who started" in english


def test_events_delivered_again_change_no_figure(stack, run):
    """The same events once more (a consumer that crashed before committing reads them again), and Tori Oso's
    first answer ("contacted") arriving after its later one: every figure stays as it was."""
    evening, tori = run["evening"], run["tori"]
    meeting = f"/api/v1/reports/meetings/{evening.id}"
    _settled(stack, meeting, {"ideas": 2})
    reader = TopicReader()
    try:
        wanted = ("idea.shared", "initiative_pair.accepted", "volunteer.followed_up")
        events = reader.wait_for(lambda e: e["type"] in wanted and e["payload"].get("meeting_id") == evening.id
                                 and len([x for x in reader.events if x["type"] in wanted
                                          and x["payload"].get("meeting_id") == evening.id]) >= 7, 60,
                                 what="the evening's ideas, pair and follow-ups on the topic")
    finally:
        reader.close()
    contacted = [e for e in events if e["type"] == "volunteer.followed_up" and e["payload"]["outcome"] == "contacted"]
    assert len(contacted) == 1
    producer = KafkaProducer(bootstrap_servers=stack.env.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092").split(","),
                             key_serializer=lambda k: k.encode(),
                             value_serializer=lambda v: json.dumps(v, separators=(",", ":")).encode())
    try:
        for envelope in events + contacted:  # all once more, then the early answer last of all
            producer.send(topics.REGISTRATION, key=envelope["key"], value=envelope)
        producer.flush(timeout=30)
    finally:
        producer.close()
    # A marker after them on the same partition (the evening's key): a third idea. Once it is counted, so are
    # the events sent before it.
    _leave_idea(_evening_link(stack, run["residents"][5]["email"]), {
        "text": f"Samen koken en tekenen {run['tag']}", "themes": ["koken"]})
    report = wait_until(lambda: rep if (rep := _report(stack, meeting))["ideas"] == 3 else None, 60, interval_s=0.5,
                        message="the marker counted")
    assert report["ideas_by_theme"] == {"kunst-cultuur": 2, "ontmoeting": 1, "koken": 1}
    assert report["initiative_pairs"]["accepted"] == 1
    assert _rows(report)[tori["id"]]["followed_up"] == {"contacted": 0, "started": 1, "not_a_fit": 1}
    _settled(stack, f"/api/v1/reports/series?meeting_ids={evening.id}",
             {"ideas": 3, "initiative_pairs_accepted": 1, "volunteers_started": 2})
