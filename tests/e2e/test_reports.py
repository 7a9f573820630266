"""The report an organiser hands to the city, checked figure by figure against a series of three evenings run
through the public API: sign-ups and a cancellation, arrivals and walk-ins at the door, the tables, interests,
closing, residents answering their suggestions from the thanks email, a collaboration recorded; then the same
figures as CSV, and erasing a resident leaves every count as it was and their name nowhere in a report."""
import csv
import html
import io
import itertools
import re
import subprocess
import sys
import uuid

import requests

from tests.support import unique, unique_email, wait_until

ANSWER_LINK = re.compile(r"https?://\S+/antwoord/(\S+)")


def _initiative(stack, name, theme, area):
    r = stack.post("registration", "/api/v1/initiatives", {
        "name": name, "description": f"{name}: samen in de wijk", "area": area,
        "contact": {"name": name, "email": unique_email("initiatief")}, "themes": [theme],
        "target_groups": ["iedereen"], "looking_for": ["ouderen"],
        "roles": [{"title": "Vrijwilliger", "description": "Meehelpen", "themes": [theme], "capacity": 10}]},
        organiser=True)
    assert r.status_code == 201, r.text
    return r.json()["id"]


class Evening:
    """One evening as the organiser runs it, remembering what it did (the figures to expect)."""

    def __init__(self, stack, title, starts_at, area, initiative_ids):
        self.stack, self.title = stack, title
        self.id = stack.create_meeting(title=title, starts_at=starts_at, venue="Buurthuis", area=area,
                                       initiative_ids=initiative_ids, group_size=3)["id"]
        self.registrations, self.attended, self.walk_ins = {}, set(), set()

    def sign_up(self, person):
        r = self.stack.sign_up(self.id, name=person["name"], email=person["email"], postcode=person["postcode"],
                               interests=["ontmoeting"])
        assert r["status"] == "confirmed", r
        person["id"] = r["person_id"]
        self.registrations[person["name"]] = r["registration_id"]

    def cancel(self, person):
        """The organiser cancels for a resident who phoned (residents use the link in their confirmation)."""
        r = self.stack.post("registration", f"/api/v1/registrations/{self.registrations[person['name']]}/cancel",
                            organiser=True)
        assert r.status_code == 200, r.text

    def check_in(self, person):
        r = self.stack.post("registration", f"/api/v1/meetings/{self.id}/checkins",
                            {"registration_id": self.registrations[person["name"]]}, organiser=True)
        assert r.status_code == 201, r.text
        self.attended.add(r.json()["person_id"])

    def walk_in(self, person):
        body = {"name": person["name"], **({"postcode": person["postcode"]} if person.get("postcode") else {})}
        r = self.stack.post("registration", f"/api/v1/meetings/{self.id}/checkins", body, organiser=True)
        assert r.status_code == 201, r.text
        person["id"] = r.json()["person_id"]
        self.attended.add(person["id"])
        self.walk_ins.add(person["id"])

    def seated(self):
        def tables():
            r = self.stack.get("matching", f"/api/v1/meetings/{self.id}/groups", headers=self.stack.organiser)
            if r.status_code != 200:  # matching has not heard of the evening yet
                return None
            members = [g["members"] for g in r.json()["groups"]]
            return members if sorted(p for m in members for p in m) == sorted(self.attended) else None
        return wait_until(tables, 60, message=f"every arrival of {self.title} at a table")

    def start(self):
        self.tables = self.seated()  # before the start: the groups the start fixes
        assert self.stack.post("registration", f"/api/v1/meetings/{self.id}/start", organiser=True).status_code == 200
        self.schedule = wait_until(lambda: self.stack.get("matching", f"/api/v1/meetings/{self.id}/schedule").json()
                                   ["rounds"], 60, message="the timetable")
        self.tables = self.seated()  # a small table may have been merged at the start

    def interests(self, person, initiative_ids):
        r = self.stack.post("registration", f"/api/v1/meetings/{self.id}/interests",
                            {"person_id": person["id"], "initiative_ids": initiative_ids}, organiser=True)
        assert r.status_code in (200, 201), r.text

    def close(self):
        assert self.stack.post("registration", f"/api/v1/meetings/{self.id}/close", organiser=True).status_code == 200
        self.matches = wait_until(lambda: (m := self.stack.get(
            "matching", f"/api/v1/meetings/{self.id}/matches", headers=self.stack.organiser).json())["proposed"] and m,
            90, message=f"the suggestions after closing {self.title}")

    def answer(self, person, initiative_name, accept: bool):
        """The resident follows the yes (or no) link for ``initiative_name`` in their thanks email."""
        wanted = ("Ja, ik wil graag meedoen met " if accept else "Nee, ik doe liever niet mee met ") + initiative_name

        def link():
            for mail in self.stack.mail(to=person["email"]):
                if self.title not in mail["subject"]:
                    continue
                for token in ANSWER_LINK.findall(mail["text"]):
                    if wanted in self.stack.get("matching", f"/antwoord/{token}").text:
                        return token
            return None
        token = wait_until(link, 90, interval_s=1, message=f"{person['name']}'s suggestion of {initiative_name}")
        assert self.stack.post("matching", f"/api/v1/answers/{token}").status_code == 200


def organiser_browser(stack) -> requests.Session:
    """An organiser logged in at /inloggen, with an account made by the CLI (the password never in argv)."""
    email, password = f"rapport.{uuid.uuid4().hex[:8]}@wijkkracht.local", f"pw-{uuid.uuid4().hex}"
    made = subprocess.run([sys.executable, "-m", "registration.cli", "create-organiser", email], input=password + "\n",
                          text=True, capture_output=True, timeout=120)
    assert made.returncode == 0, made.stderr
    browser = requests.Session()
    page = browser.get(stack.url("registration", "/inloggen"), timeout=10)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = browser.post(stack.url("registration", "/inloggen"), data={"csrf_token": csrf, "email": email,
                                                                    "password": password}, timeout=10)
    assert "/organisator" in r.url, r.url
    return browser


def matches_page(stack, browser, evening, lang="nl") -> str:
    r = browser.get(stack.url("registration", f"/organisator/avond/{evening.id}/koppelingen?lang={lang}"), timeout=10)
    assert r.status_code == 200, r.text[:300]
    return html.unescape(r.text)


def _pairs(tables):
    return {frozenset(p) for members in tables for p in itertools.combinations(members, 2)}


def _report(stack, path):
    r = stack.get("registration", path, headers=stack.organiser)
    assert r.status_code == 200, r.text
    return r.json()


def _csv(stack, path):
    r = stack.get("registration", path, headers={**stack.organiser, "Accept": "text/csv"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv"), r.text
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0] == ["figure", "detail", "value"]
    return r.text, rows[1:]


def _settled(stack, path, expected: dict):
    """The report once its figures have settled to ``expected`` (read models follow the events)."""
    def matches():
        report = _report(stack, path)
        return report if all(report.get(k) == v for k, v in expected.items()) else None
    try:
        return wait_until(matches, 90, interval_s=0.5, message=path)
    except AssertionError:
        report = _report(stack, path)
        assert {k: report.get(k) for k in expected} == expected
        raise


def test_a_series_of_three_evenings_is_reported_as_it_happened(stack):
    tag = unique("reeks")
    area = f"Reekswijk {tag}"
    a, b, c = (f"Tori Oso {tag}", f"Brug tussen jong en oud {tag}", f"Young Kitchen {tag}")
    ids = {name: _initiative(stack, name, theme, "Delfshaven")
           for name, theme in ((a, "ontmoeting"), (b, "ontmoeting"), (c, "koken"))}
    elsewhere = _initiative(stack, f"De Keuken {tag}", "koken", "Noord")  # presents at none of the evenings

    postcodes = ["3021 AB"] * 6 + ["3031 CD"] * 5 + ["3011 EF"]
    people = [{"name": f"Bewoner {n} {tag}", "email": unique_email(), "postcode": pc} for n, pc in enumerate(postcodes)]
    p = people
    walk_in_1 = {"name": f"Binnenloper een {tag}", "postcode": "3012 GH"}
    walk_in_2 = {"name": f"Binnenloper twee {tag}"}  # no postcode: an area of residence unknown

    evenings = [Evening(stack, f"Wijkkracht Centrum {tag}", "2027-03-04T19:00:00+01:00", area, list(ids.values())),
                Evening(stack, f"Wijkkracht Noord {tag}", "2027-03-11T19:00:00+01:00", area, list(ids.values())),
                Evening(stack, f"Wijkkracht Delfshaven {tag}", "2027-03-18T19:00:00+01:00", area, list(ids.values()))]
    one, two, three = evenings

    # The first evening: seven sign up, one cancels, one does not come, a walk-in does.
    for person in p[0:7]:
        one.sign_up(person)
    one.cancel(p[6])
    for person in p[0:5]:
        one.check_in(person)
    one.walk_in(walk_in_1)
    one.start()
    one.interests(p[0], [ids[a]])
    one.interests(p[1], [ids[a], ids[b]])
    one.close()
    one.answer(p[0], a, accept=True)

    # The second: two come back, four are new, and a walk-in without a postcode.
    for person in (p[0], p[1], p[7], p[8], p[9], p[10]):
        two.sign_up(person)
        two.check_in(person)
    two.walk_in(walk_in_2)
    two.start()
    two.interests(p[7], [ids[b]])
    two.interests(p[8], [ids[c]])
    two.close()
    two.answer(p[7], b, accept=True)
    two.answer(p[8], c, accept=False)

    # The third: three come back, one is new, one signed up and stays home.
    for person in (p[2], p[3], p[7], p[11], p[5]):
        three.sign_up(person)
    for person in (p[2], p[3], p[7], p[11]):
        three.check_in(person)
    three.start()
    three.close()

    # Two initiatives that met at the first evening made Christmas decorations; another pair's joint
    # activity involves an initiative that presented at none of these evenings.
    r = stack.post("registration", "/api/v1/collaborations", {
        "initiative_ids": [ids[a], ids[b]], "date": "2027-03-20", "description": "Kerststukjes gemaakt",
        "meeting_id": one.id}, organiser=True)
    assert r.status_code == 201, r.text
    r = stack.post("registration", "/api/v1/collaborations", {
        "initiative_ids": [ids[c], elsewhere], "date": "2027-03-21", "description": "Samen gekookt"}, organiser=True)
    assert r.status_code == 201, r.text
    assert stack.post("registration", "/api/v1/collaborations", {
        "initiative_ids": [ids[a], ids[a]], "date": "2027-03-20", "description": "x"},
        organiser=True).json()["error"]["fields"]["initiative_ids"]

    # New encounters: pairs at one table who never shared one before, evening by evening.
    met: set = set()
    new_encounters, repeats = [], []
    for evening in evenings:
        tonight = _pairs(evening.tables)
        new_encounters.append(len(tonight - met))
        repeats.append(len(tonight & met))
        met |= tonight

    expected_meetings = [
        {"signed_up": 7, "cancelled": 1, "waitlisted": 0, "attended": 6, "walk_ins": 1, "no_shows": 1,
         "tables": len(one.tables), "new_encounters": new_encounters[0], "repeats": repeats[0]},
        {"signed_up": 6, "cancelled": 0, "waitlisted": 0, "attended": 7, "walk_ins": 1, "no_shows": 0,
         "tables": len(two.tables), "new_encounters": new_encounters[1], "repeats": repeats[1]},
        {"signed_up": 5, "cancelled": 0, "waitlisted": 0, "attended": 4, "walk_ins": 0, "no_shows": 1,
         "tables": len(three.tables), "new_encounters": new_encounters[2], "repeats": repeats[2]},
    ]
    reports = [_settled(stack, f"/api/v1/reports/meetings/{e.id}", want) for e, want in zip(evenings, expected_meetings)]

    for evening, report in zip(evenings, reports):
        assert (report["meeting_id"], report["title"], report["area"]) == (evening.id, evening.title, area)
        by_initiative = {row["initiative_id"]: row for row in report["initiatives"]}
        assert set(ids.values()) <= set(by_initiative)
        for name, initiative_id in ids.items():
            row = by_initiative[initiative_id]
            assert row["name"] == name
            assert row["groups_met"] == len({t["table"] for r in evening.schedule for t in r["tables"]
                                             if t["initiative_id"] == initiative_id})
            assert row["suggested"] == sum(1 for r in evening.matches["residents"]
                                           if any(s["initiative_id"] == initiative_id for s in r["suggestions"]))
        assert report["initiative_pairs"] == {"proposed": len(evening.matches["initiatives"]), "accepted": 0}
    rows = lambda report: {row["initiative_id"]: row for row in report["initiatives"]}  # noqa: E731
    assert (rows(reports[0])[ids[a]]["interested"], rows(reports[0])[ids[b]]["interested"]) == (2, 1)
    assert (rows(reports[0])[ids[a]]["accepted"], rows(reports[0])[ids[a]]["declined"]) == (1, 0)
    assert (rows(reports[1])[ids[b]]["accepted"], rows(reports[1])[ids[c]]["declined"]) == (1, 1)
    assert rows(reports[1])[ids[c]]["interested"] == 1 and rows(reports[2])[ids[a]]["interested"] == 0

    # What was sent about each evening, as notifications' own log has it.
    for evening in evenings:
        def same_as_the_log(evening=evening):
            log = stack.get("notifications", f"/api/v1/deliveries?meeting_id={evening.id}",
                            headers=stack.organiser).json()["deliveries"]
            messages = _report(stack, f"/api/v1/reports/meetings/{evening.id}")["messages"]
            want = {s: sum(1 for d in log if d["status"] == s) for s in ("sent", "failed", "suppressed")}
            return messages if {s: messages[s] for s in want} == want and want["sent"] else None
        messages = wait_until(same_as_the_log, 90, interval_s=0.5, message=f"the messages of {evening.title}")
        assert messages["by_channel"]["email"]["sent"] + messages["by_channel"]["sms"]["sent"] == messages["sent"]

    # The series: 12 residents took part in 3 evenings; five came back.
    expected_series = {
        "meetings": [e.id for e in evenings], "evenings": 3, "attended": 17, "unique_residents": 12,
        "returning_residents": 5, "walk_ins": 2,
        "by_area": {"Centrum": "< 5", "Delfshaven": 5, "Noord": "< 5", "unknown": "< 5"},
        "new_encounters": sum(new_encounters), "volunteers_matched": 2, "initiative_pairs_accepted": 0,
        "collaborations": 1}
    by_ids = f"/api/v1/reports/series?meeting_ids={','.join(e.id for e in reversed(evenings))}"
    series = _settled(stack, by_ids, expected_series)
    assert [(c["names"], c["date"], c["description"]) for c in series["collaboration_list"]] == \
        [(sorted([a, b], key=lambda n: ids[n]), "2027-03-20", "Kerststukjes gemaakt")]
    by_period = f"/api/v1/reports/series?from=2027-03-01&to=2027-03-31&area={area.replace(' ', '%20')}"
    assert {k: _report(stack, by_period)[k] for k in expected_series} == expected_series
    assert _report(stack, f"/api/v1/reports/series?from=2027-03-05&to=2027-03-31&area={area.replace(' ', '%20')}"
                   )["meetings"] == [two.id, three.id]

    # The same figures as CSV, small cells included.
    text, csv_rows = _csv(stack, by_ids)
    figures = {(f, d): v for f, d, v in csv_rows}
    for name in ("evenings", "attended", "unique_residents", "returning_residents", "walk_ins", "new_encounters",
                 "volunteers_matched", "initiative_pairs_accepted", "collaborations"):
        assert figures[(name, "")] == str(expected_series[name]), name
    assert {d: v for (f, d), v in figures.items() if f == "residents_by_area"} == \
        {"Centrum": "< 5", "Delfshaven": "5", "Noord": "< 5", "unknown": "< 5"}
    assert "Kerststukjes gemaakt" in text
    for evening, want in zip(evenings, expected_meetings):
        _, csv_rows = _csv(stack, f"/api/v1/reports/meetings/{evening.id}")
        figures = {(f, d): v for f, d, v in csv_rows}
        assert {name: figures[(name, "")] for name in want} == {name: str(v) for name, v in want.items()}
        assert figures[("initiative_groups_met", a)] == str(rows(_report(
            stack, f"/api/v1/reports/meetings/{evening.id}"))[ids[a]]["groups_met"])

    # The organiser's matches page of the second evening: every suggestion with its reasons, the answers, and
    # what was sent (the console links it from a closed evening's row).
    browser = organiser_browser(stack)
    page = matches_page(stack, browser, two)
    for resident in two.matches["residents"]:
        for suggestion in resident["suggestions"]:
            assert all(reason in page for reason in suggestion["reasons"]), suggestion
    for pair in two.matches["initiatives"]:
        assert all(reason in page for reason in pair["reasons"]), pair
    rows_of = {chunk.split("</th>", 1)[0].split(">", 1)[-1]: chunk for chunk in page.split('<th scope="row"')[1:]}
    for person, initiative, answer in ((p[7], b, "<td>Ja</td>"), (p[8], c, "<td>Nee</td>")):
        assert initiative in rows_of[person["name"]] and answer in rows_of[person["name"]], person["name"]
    assert "Suggesties: " in page and "verstuurd" in page
    english = matches_page(stack, browser, two, "en")
    assert "Residents and their suggestions" in english and "Yes" in english

    # Erasing a resident who came once: the counts stay, their name is nowhere.
    gone = p[4]
    assert stack.http.delete(stack.url("registration", f"/api/v1/people/{gone['id']}"), headers=stack.organiser,
                             timeout=10).status_code == 200
    wait_until(lambda: stack.get("registration", f"/api/v1/people/{gone['id']}/export",
                                 headers=stack.organiser).json().get("erased"), 30, message="the erasure")
    assert {k: _report(stack, by_ids)[k] for k in expected_series} == expected_series
    after = _report(stack, f"/api/v1/reports/meetings/{one.id}")
    assert {k: after[k] for k in expected_meetings[0]} == expected_meetings[0]
    everything = [_report(stack, by_ids), _csv(stack, by_ids)[0]] + \
        [x for e in evenings for x in (_report(stack, f"/api/v1/reports/meetings/{e.id}"),
                                        _csv(stack, f"/api/v1/reports/meetings/{e.id}")[0])]
    for person in people + [walk_in_1, walk_in_2]:
        assert all(person["name"] not in str(x) for x in everything), person["name"]
        assert all(person.get("email", "@@") not in str(x) for x in everything)
    assert gone["name"] not in matches_page(stack, browser, one) and p[0]["name"] in matches_page(stack, browser, one)


def test_reports_want_an_organiser_and_name_the_field_that_is_wrong(stack):
    assert stack.get("registration", "/api/v1/reports/series?meeting_ids=x").status_code == 401
    assert stack.get("registration", "/api/v1/reports/meetings/x").status_code == 401
    r = stack.get("registration", "/api/v1/reports/meetings/no-such-evening", headers=stack.organiser)
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = stack.get("registration", "/api/v1/reports/series", headers=stack.organiser)
    assert r.status_code == 422 and "meeting_ids" in r.json()["error"]["fields"]
    r = stack.get("registration", "/api/v1/reports/series?from=14-01-2027", headers=stack.organiser)
    assert r.status_code == 422 and "from" in r.json()["error"]["fields"]
    r = stack.get("registration", "/api/v1/reports/series?from=2027-02-01&to=2027-01-01", headers=stack.organiser)
    assert r.status_code == 422 and "to" in r.json()["error"]["fields"]
    r = stack.post("registration", "/api/v1/collaborations", {"initiative_ids": ["a"], "date": "2027-13-01"},
                   organiser=True)
    assert r.status_code == 422 and {"initiative_ids", "date", "description"} <= set(r.json()["error"]["fields"])
    assert stack.post("registration", "/api/v1/collaborations", {}).status_code == 401
