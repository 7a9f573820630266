"""`make demo`: a wijkkracht evening at wijkgebouw de Banier, end to end, through the public contract.

The stack is already up (`make up`). Prints what each step did and what every resident received.
"""
import json
import pathlib
import sys
import time
import uuid

import requests

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
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


def step(title):
    print(f"\n== {title}")


def available(response) -> bool:
    return response.status_code not in (404, 405, 501)


def main():
    stack = Stack(stack_env())
    step("The organiser registers the initiatives")
    initiative_ids = []
    for initiative in INITIATIVES:
        body = {**initiative, "area": "Noord",
                "contact": {"name": f"Contact {initiative['name']}",
                            "email": f"{initiative['name'].lower().replace(' ', '.')}.{RUN}@example.org"}}
        r = stack.post("registration", "/api/v1/initiatives", body, organiser=True)
        if not available(r):
            print("   (initiatives are not served yet)")
            break
        r.raise_for_status()
        initiative_ids.append(r.json()["id"])
        print(f"   {initiative['name']}: {r.json()['id']}")

    step("The organiser schedules the evening")
    meeting = stack.create_meeting(title="Wijkkracht Noord", venue="wijkgebouw de Banier", area="Noord",
                                   partners=["Stichting Noordplus"], initiative_ids=initiative_ids,
                                   starts_at="2027-01-14T19:00:00+01:00")
    print(f"   {meeting['title']} at {meeting['venue']}, {meeting['starts_at']} (id {meeting['id']})")

    step("Residents sign up")
    people = []
    for i, (name, channel, language, interests) in enumerate(RESIDENTS):
        contact = ({"email": f"{name.split()[0].lower()}.{RUN}@example.org"} if channel == "email"
                   else {"phone": f"06{(int(RUN, 16) + i) % 10**8:08d}"})
        body = {"name": name, **contact, "preferred_channel": channel, "languages": [language],
                "interests": interests, "language": language,
                "consent": {"contact": True, "share_with_initiatives": True}}
        r = stack.post("registration", f"/api/v1/meetings/{meeting['id']}/registrations", body)
        r.raise_for_status()
        people.append({"name": name, "channel": channel, "language": language, **contact, **r.json()})
        print(f"   {name:<18} {channel:<5} {language}  -> {r.json()['status']}")

    step("Everyone hears back")
    def received(person):
        if person["channel"] == "email":
            return stack.mail(to=person["email"])
        return stack.sms(to="+31" + person["phone"][1:])
    wait_until(lambda: all(received(p) for p in people), 90, message="every confirmation")
    for person in people:
        for message in received(person):
            text = message.get("subject") or message.get("body")
            print(f"   {person['name']:<18} {person['channel']:<5} {text}")

    step("Where to look")
    env = stack.env
    print(f"   sign-up form:   {env['REGISTRATION_URL']}/meetings/{meeting['id']}/aanmelden")
    print(f"   mail received:  {env['MAIL_API_URL']}/api/messages")
    print(f"   SMS received:   {env['SMS_GATEWAY_URL']}/api/messages")
    print(f"   delivery log:   {env['NOTIFICATIONS_URL']}/api/v1/deliveries?meeting_id={meeting['id']}")
    print("   logs: .local/logs/   stop everything: make down")


if __name__ == "__main__":
    main()
