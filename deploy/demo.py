"""`make demo`: a wijkkracht evening at wijkgebouw de Banier, end to end, through the public contract.

The stack is already up (`make up`). Prints what each step did and what every resident received.
"""
import datetime as dt
import os
import pathlib
import re
import subprocess
import sys
import uuid


ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.e2e.test_initiative_page import Page, page_link  # noqa: E402
from tests.support import Stack, stack_env, wait_until  # noqa: E402

RUN = uuid.uuid4().hex[:6]

INITIATIVES = [
    {"name": "Tori Oso", "description": "Surinaamse ouderen komen samen om te koken, te praten en verhalen te delen.",
     "themes": ["ontmoeting", "koken"], "target_groups": ["ouderen"], "looking_for": ["jongeren", "vrouwen"],
     "roles": [{"title": "Kookmaatje", "description": "Samen koken op donderdag", "themes": ["koken"], "capacity": 2}]},
    {"name": "Brug tussen jong en oud", "description": "Jongeren en ouderen ondernemen samen iets.",
     "themes": ["ontmoeting"], "target_groups": ["jongeren", "geisoleerden", "vrouwen"], "looking_for": ["ouderen"],
     "roles": [{"title": "Maatje", "description": "Een middag per week op bezoek", "themes": ["ontmoeting", "zorg"],
                "capacity": 3}]},
    {"name": "Young Kitchen", "description": "Jongeren leren koken en runnen een pop-up restaurant.",
     "themes": ["koken", "werk"], "target_groups": ["jongeren"], "looking_for": ["koken"],
     "roles": [{"title": "Kookcoach", "description": "Jongeren begeleiden in de keuken", "themes": ["koken"],
                "capacity": 2}]},
    {"name": "Inspiring Garden", "description": "Een buurttuin waar iedereen mag meedoen.",
     "themes": ["tuinieren", "ontmoeting"], "target_groups": ["iedereen"], "looking_for": ["kinderen"],
     "roles": [{"title": "Tuinier", "description": "Zaaien, wieden en oogsten", "themes": ["tuinieren"], "capacity": 4}]},
]

RESIDENTS = [
    ("Fatima El Amrani", "email", "nl", ["koken", "ontmoeting"]),
    ("Kees de Vries", "sms", "nl", ["tuinieren"]),
    ("Ayşe Yılmaz", "email", "nl", ["koken", "taal"]),
    ("Joao Tavares", "sms", "en", ["sport", "werk"]),
    ("Priya Ramdin", "email", "en", ["kunst-cultuur", "ontmoeting"]),
    ("Mohamed Bouali", "email", "nl", ["repareren", "werk"]),
    ("Ingrid Bakker", "sms", "nl", ["zorg", "ontmoeting"]),
    ("Samira Haddou", "email", "nl", ["opvoeding", "koken"]),
]


# Where each resident lives (the report counts residents by area from the postcode): Noord, Delfshaven, Centrum.
POSTCODES = ["3037 AB", "3035 CD", "3024 EF", "3037 GH", "3011 JK", "3031 LM", "3025 NP", "3036 RS"]
RETURNING = 3  # residents of the first evening who come to the second one too
SECOND_EVENING_NEW = [("Lotte Verbeek", "nl", ["taal"]), ("Hamid Azizi", "nl", ["werk", "koken"])]


def step(title):
    print(f"\n== {title}")


def organiser_post(stack, path, body=None):
    r = stack.post("registration", path, body or {}, organiser=True)
    if r.status_code >= 400:
        raise SystemExit(f"{path} answered {r.status_code}: {r.text}")
    return r.json()


def received(stack, person) -> list[dict]:
    if person["channel"] == "email":
        return stack.mail(to=person["email"])
    return stack.sms(to="+31" + person["phone"][1:])


def summary(message: dict) -> str:
    text = message.get("subject") or message.get("body") or ""
    return text if len(text) <= 110 else text[:107] + "..."


def colour_of(stack, meeting_id, person_id):
    r = stack.get("registration", f"/api/v1/meetings/{meeting_id}/checkins/{person_id}", headers=stack.organiser)
    return r.json() if r.status_code == 200 and r.json().get("colour") else None


def published(stack, path, flag="published"):
    r = stack.get("matching", path, headers=stack.organiser)  # the matches name people: organisers only
    return r.json() if r.status_code == 200 and r.json().get(flag) else None


def organiser_account(env) -> tuple[str, str]:
    """An organiser login for looking around (the CLI is how accounts are made; passwords never in argv)."""
    login, password = "organisator@wijkkracht.local", f"demo-{RUN}-{uuid.uuid4().hex[:6]}"
    cli_env = {**os.environ, "MONGODB_URI": env["MONGODB_URI"]}
    for command in ("create-organiser", "set-password"):
        done = subprocess.run([sys.executable, "-m", "registration.cli", command, login], input=password + "\n",
                              text=True, capture_output=True, env=cli_env)
        if done.returncode == 0:
            break
    return login, password


ANSWER_LINK = re.compile(r"https?://\S+/antwoord/[^\s\"'<>]+")


def say_yes(stack, arrived) -> str:
    """A resident follows the first link of their introduction ("Ja, stel me voor"): a volunteer matched."""
    def first_link():
        for person in arrived:
            for message in received(stack, person):
                found = ANSWER_LINK.search(message.get("text") or message.get("body") or "")
                if found:
                    return person, found.group(0)
        return None
    person, link = wait_until(first_link, 90, message="an introduction with an answer link")
    r = stack.http.post(link, timeout=10)
    if r.status_code != 200:
        raise SystemExit(f"the answer link answered {r.status_code}")
    return person["name"]


def second_evening(stack, initiative_ids, arrived) -> tuple[dict, list[dict]]:
    """Post West, Delfshaven: residents of the first evening come back (the same address: the same person), with
    new ones; check-in, start and close as at de Banier, without printing every message again."""
    meeting = stack.create_meeting(title="Wijkkracht Delfshaven", venue="Post West", area="Delfshaven",
                                   partners=["ZOWEL! Delfshaven", "Radar"], initiative_ids=initiative_ids,
                                   starts_at="2027-02-11T19:00:00+01:00")
    print(f"   {meeting['title']} at {meeting['venue']}, {meeting['starts_at']} (id {meeting['id']})")
    comers = [p for p in arrived if p.get("registration_id")][:RETURNING]
    newcomers = [{"name": name, "channel": "email", "language": language, "interests": interests,
                  "email": f"{name.split()[0].lower()}.{RUN}@example.org", "postcode": "3024 TV"}
                 for name, language, interests in SECOND_EVENING_NEW]
    came = []
    for person in comers + newcomers:
        contact = {"email": person["email"]} if person["channel"] == "email" else {"phone": person["phone"]}
        body = {"name": person["name"].split(" (")[0], **contact, "postcode": person.get("postcode", "3024 TV"),
                "preferred_channel": person["channel"], "languages": [person["language"]],
                "interests": person.get("interests", ["ontmoeting"]), "language": person["language"],
                "consent": {"contact": True, "share_with_initiatives": True}}
        r = stack.post("registration", f"/api/v1/meetings/{meeting['id']}/registrations", body)
        if r.status_code != 201:
            raise SystemExit(f"sign-up of {person['name']} answered {r.status_code}: {r.text}")
        came.append({**person, **r.json()})
        again = "comes back" if person in comers else "new"
        print(f"   {person['name']:<22} {again:<10} -> {r.json()['status']}")
    organiser_post(stack, f"/api/v1/meetings/{meeting['id']}/open-checkin")
    for person in came:
        organiser_post(stack, f"/api/v1/meetings/{meeting['id']}/checkins", {"registration_id": person["registration_id"]})
    for person in came:
        wait_until(lambda: colour_of(stack, meeting["id"], person["person_id"]), 60,
                   message=f"a colour for {person['name']}")
    organiser_post(stack, f"/api/v1/meetings/{meeting['id']}/start")
    organiser_post(stack, f"/api/v1/meetings/{meeting['id']}/close")
    print(f"   {len(came)} checked in, the evening started and closed")
    return meeting, came


def print_programme(stack, meeting_id):
    """The programme as table hosts get it (registration's page and cards, from matching's timetable):
    per round the local time, per table its colour, the initiative's name and the round's question."""
    def shown():
        r = stack.get("registration", f"/api/v1/meetings/{meeting_id}/programme", headers=stack.organiser)
        return r.json() if r.status_code == 200 and r.json()["rounds"] else None

    programme = wait_until(shown, 60, message="the programme")
    for round_ in programme["rounds"]:
        print(f"   round {round_['number']} {round_['start']}-{round_['end']} ({programme['timezone']})")
        for table in round_["tables"]:
            print(f"      table {table['table']} {table['colour'].upper():<7} "
                  f"{table['initiative'] or 'no initiative: talk at the table':<26} {table['question']['nl']}")
    print(f"   programme, table cards, hall screen: {stack.url('registration', f'/organisator/{meeting_id}/programma')}")


COLLABORATION = {"description": "kerststukjes gemaakt"}


def answer_pair(stack, pages, names, meeting_id, matches, contacts):
    """Tori Oso's page lists its new volunteer and the initiatives it was introduced to; it and Brug tussen jong
    en oud both say "interested", and each is sent the other's contact details."""
    tori, brug = list(pages)[:2]
    volunteer, partner = 'class="card volunteer"', 'class="card partner"'
    page = wait_until(lambda: (t := pages[tori].text()).count(volunteer) and t, 60,
                      message="a volunteer on the initiative's page")
    print(f"   {names[tori]}'s page: {page.count(volunteer)} new volunteer(s), {page.count(partner)} "
          f"introduction(s) to answer")
    if not any(set(p["initiative_ids"]) == {tori, brug} for p in matches["initiatives"]):
        print(f"   (matching did not introduce {names[tori]} to {names[brug]} this time)")
        return
    for me, other in ((tori, brug), (brug, tori)):
        r = pages[me].post("/partners", {"meeting_id": meeting_id, "partner_id": other, "answer": "interested"})
        if r.status_code != 200:
            raise SystemExit(f"answering the introduction answered {r.status_code}")
        print(f"   {names[me]} answered: interested in {names[other]}")
    wait_until(lambda: any(contacts[brug] in (m.get("text") or "") for m in stack.mail(to=contacts[tori])), 60,
               message="the partner's details")
    print("   both said interested: each got the other's contact details by email; the organiser sees the pair "
          "accepted on the matches page")


def series_report(stack, meeting_ids, attended) -> dict:
    """The series' figures once the report's read model has seen every arrival and the collaboration."""
    def settled():
        r = stack.get("registration", "/api/v1/reports/series", params={"meeting_ids": ",".join(meeting_ids)},
                      headers=stack.organiser)
        report = r.json() if r.status_code == 200 else {}
        return report if report.get("attended") == attended and report.get("collaborations") else None
    return wait_until(settled, 90, interval_s=0.5, message="the series report")


def print_series(report, names):
    from registration.web.report_page import headline  # the page's own words for it
    print(f"   {headline(report, 'nl')}")
    print(f"   ({headline(report, 'en')})")
    print(f"   attendances {report['attended']}, of which walk-ins {report['walk_ins']}; "
          f"{report['returning_residents']} residents came back")
    areas = ", ".join(f"{area if area != 'unknown' else 'no postcode'} {n}" for area, n in report["by_area"].items())
    print(f"   residents by area: {areas}  (under 5 shows as '< 5')")
    print(f"   new encounters {report['new_encounters']} (met again: {report['repeats']}); "
          f"volunteers matched {report['volunteers_matched']}; initiative pairs accepted "
          f"{report['initiative_pairs_accepted']}; collaborations {report['collaborations']}")
    for c in report["collaboration_list"]:
        print(f"      {' + '.join(names.get(i, i) for i in c['initiative_ids'])}, {c['date']}: {c['description']}")


def main():
    stack = Stack(stack_env())
    step("The organiser registers the initiatives")
    initiative_ids, contacts = [], {}
    for initiative in INITIATIVES:
        body = {**initiative, "area": "Noord",
                "contact": {"name": f"Contact {initiative['name']}",
                            "email": f"{initiative['name'].lower().replace(' ', '.')}.{RUN}@example.org"}}
        created = organiser_post(stack, "/api/v1/initiatives", body)
        initiative_ids.append(created["id"])
        contacts[created["id"]] = body["contact"]["email"]
        print(f"   {initiative['name']:<24} roles: {', '.join(r['title'] for r in created['roles'])}")
    names = {i: ini["name"] for i, ini in zip(initiative_ids, INITIATIVES)}
    pages = {i: Page(stack, page_link(stack, contacts[i])) for i in initiative_ids}
    first = stack.mail(to=contacts[initiative_ids[0]])[0]
    print(f"   each contact got a confirmation (\"{first['subject']}\") with a link to their own page")
    print(f"      {names[initiative_ids[0]]}: {pages[initiative_ids[0]].link}")

    step("The organiser schedules the evening")
    meeting = stack.create_meeting(title="Wijkkracht Noord", venue="wijkgebouw de Banier", area="Noord",
                                   partners=["Stichting Noordplus"], initiative_ids=initiative_ids,
                                   starts_at="2027-01-14T19:00:00+01:00")
    print(f"   {meeting['title']} at {meeting['venue']}, {meeting['starts_at']} (id {meeting['id']})")

    step("Residents sign up")
    people = []
    for i, (name, channel, language, interests) in enumerate(RESIDENTS):
        contact = ({"email": f"{name.split()[0].lower()}.{RUN}@example.org"} if channel == "email"
                   else {"phone": f"0612{(int(RUN, 16) + i) % 10**6:06d}"})
        body = {"name": name, **contact, "postcode": POSTCODES[i % len(POSTCODES)],
                "preferred_channel": channel, "languages": [language],
                "interests": interests, "language": language,
                "consent": {"contact": True, "share_with_initiatives": True}}
        r = stack.post("registration", f"/api/v1/meetings/{meeting['id']}/registrations", body)
        if r.status_code != 201:
            raise SystemExit(f"sign-up of {name} answered {r.status_code}: {r.text}")
        people.append({"name": name, "channel": channel, "language": language, "postcode": body["postcode"],
                       **contact, **r.json()})
        print(f"   {name:<18} {channel:<5} {language}  -> {r.json()['status']}")

    step("Everyone hears back")
    wait_until(lambda: all(received(stack, p) for p in people), 120, message="every confirmation")
    for person in people:
        print(f"   {person['name']:<18} {person['channel']:<5} {summary(received(stack, person)[0])}")

    step("At the door: check-in, and a colour for everyone at once")
    organiser_post(stack, f"/api/v1/meetings/{meeting['id']}/open-checkin")
    for person in people[:-1]:  # one resident stays home
        organiser_post(stack, f"/api/v1/meetings/{meeting['id']}/checkins", {"registration_id": person["registration_id"]})
    walk_in = organiser_post(stack, f"/api/v1/meetings/{meeting['id']}/checkins", {
        "name": "Wim Janssen", "phone": f"0612{(int(RUN, 16) + 99) % 10**6:06d}", "preferred_channel": "sms",
        "languages": ["nl"], "interests": ["repareren"],
        "consent": {"contact": True, "share_with_initiatives": True}})
    people.append({"name": "Wim Janssen (walk-in)", "channel": "sms", "language": "nl",
                   "phone": f"0612{(int(RUN, 16) + 99) % 10**6:06d}", "person_id": walk_in["person_id"]})
    arrived = people[:-2] + people[-1:]
    for person in arrived:
        seat = wait_until(lambda: colour_of(stack, meeting["id"], person["person_id"]), 60,
                          message=f"a colour for {person['name']}")
        print(f"   {person['name']:<22} {seat['colour'].upper():<7} table {seat['table']}")

    step("The evening starts: groups fixed, the timetable")
    organiser_post(stack, f"/api/v1/meetings/{meeting['id']}/start")
    print_programme(stack, meeting["id"])
    tables = stack.get("matching", f"/api/v1/meetings/{meeting['id']}/groups", headers=stack.organiser).json()
    print("   tables: " + ", ".join(f"{g['table']} {g['colour'].upper()} ({len(g['members'])} people)"
                                    for g in tables["groups"]))

    step("After the presentations: who wants to join what; the evening closes")
    for i, person in enumerate(arrived):
        wants = [initiative_ids[i % len(initiative_ids)], initiative_ids[(i + 1) % len(initiative_ids)]]
        organiser_post(stack, f"/api/v1/meetings/{meeting['id']}/interests",
                       {"person_id": person["person_id"], "initiative_ids": wants})
    organiser_post(stack, f"/api/v1/meetings/{meeting['id']}/close")

    step("Matching ran by itself: suggestions for residents, introductions between initiatives")
    matches = wait_until(lambda: published(stack, f"/api/v1/meetings/{meeting['id']}/matches", "proposed"), 90,
                         message="the suggestions")
    by_person = {p["person_id"]: p["name"] for p in people}
    for resident in matches["residents"]:
        for suggestion in resident["suggestions"]:
            print(f"   {by_person.get(resident['person_id'], '?'):<22} -> "
                  f"{names.get(suggestion['initiative_id'], suggestion['initiative_id'])}:"
                  f" {'; '.join(suggestion['reasons'])}")
    for pair in matches["initiatives"]:
        a, b = (names.get(i, i) for i in pair["initiative_ids"])
        print(f"   {a} <-> {b}: {'; '.join(pair['reasons'])}")

    step("What every resident received, on which channel, in which language")
    wait_until(lambda: all(len(received(stack, p)) >= 2 for p in arrived), 90, message="the evening's messages")
    for person in people:
        print(f"   {person['name']} ({person['channel']}, {person['language']}):")
        for message in received(stack, person):
            print(f"      - {summary(message)}")

    step("A resident says yes to a suggestion")
    print(f"   {say_yes(stack, arrived)} followed the link in their message: the initiative hears of it")

    step("A second evening, at Post West: some residents come back")
    second, came = second_evening(stack, initiative_ids, arrived)

    step("The initiatives answer on their own pages")
    answer_pair(stack, pages, names, meeting["id"], matches, contacts)

    step("Tori Oso and Brug tussen jong en oud start working together")
    r = pages[initiative_ids[0]].post("/samen", {"partner_id": initiative_ids[1], "date": dt.date.today().isoformat(),
                                                  "description": COLLABORATION["description"]})
    if r.status_code != 200:
        raise SystemExit(f"recording the collaboration answered {r.status_code}")
    print(f"   {names[initiative_ids[0]]} wrote on its page: \"we did something together\" with "
          f"{names[initiative_ids[1]]}: {COLLABORATION['description']}")

    step("The series report for the city")
    report_ids = [meeting["id"], second["id"]]
    print_series(series_report(stack, report_ids, attended=len(arrived) + len(came)), names)
    report_path = f"/organisator/rapport?meeting_ids={','.join(report_ids)}"
    print(f"   the report page: {report_path} (charts, CSV, printable on A4)")

    step("Where to look")
    env = stack.env
    login, password = organiser_account(env)
    print(f"   the door and the organiser console: {env['REGISTRATION_URL']}/inloggen as {login} / {password}")
    print(f"      then {env['REGISTRATION_URL']}/deur/{meeting['id']}")
    print(f"      and the report: {env['REGISTRATION_URL']}{report_path}")
    print(f"   sign-up form:   {env['REGISTRATION_URL']}/meetings/{meeting['id']}/aanmelden")
    print(f"   Tori Oso's own page (the link in its confirmation): {pages[initiative_ids[0]].link}")
    print(f"   mail received:  {env['MAIL_API_URL']}/api/messages")
    print(f"   SMS received:   {env['SMS_GATEWAY_URL']}/api/messages")
    print(f"   delivery log:   {env['NOTIFICATIONS_URL']}/api/v1/deliveries?meeting_id={meeting['id']}"
          " (with the organiser token)")
    print("   logs: .local/logs/   stop everything: make down")


if __name__ == "__main__":
    main()
