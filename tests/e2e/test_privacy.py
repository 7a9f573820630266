"""Someone who knows only a resident's email address and phone number learns nothing about them: not their
code, not their ids, not their colour, table, matches or messages — through every public endpoint and form."""
import random
import re
import uuid

import requests

from tests.support import unique_email, wait_until


def random_mobile() -> tuple[str, str]:
    digits = "12" + "".join(random.choice("0123456789") for _ in range(6))
    return f"06-{digits[:4]} {digits[4:]}", f"+316{digits}"


def form_token(session, url):
    page = session.get(url)
    assert page.status_code == 200
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def test_knowing_a_residents_email_and_phone_gives_away_nothing_of_theirs(stack):
    meeting = stack.create_meeting(title="Wijkkracht Privacy")
    mid = meeting["id"]
    email, (typed_phone, phone) = unique_email("slachtoffer"), random_mobile()
    victim = stack.sign_up(mid, name="Nadia Bouzid", email=email, phone=typed_phone,
                           companions=[{"name": "Omar Bouzid"}])
    wait_until(lambda: stack.mail(to=email), 60, message="the victim's confirmation")
    checked = stack.post("registration", f"/api/v1/meetings/{mid}/checkins",
                         {"registration_id": victim["registration_id"]}, organiser=True)
    assert checked.status_code == 201
    colour = wait_until(lambda: (r := stack.get("registration", f"/api/v1/meetings/{mid}/checkins/"
                                                f"{victim['person_id']}", headers=stack.organiser).json())["colour"]
                        and r, 60, message="the victim's colour")
    companion = victim["companions"][0]
    secrets_of_victim = [victim["code"], victim["registration_id"], victim["person_id"],
                         companion["registration_id"], companion["person_id"], "Omar"]

    # Ids are random, not a uuid5 of the evening and the address.
    for namespace in (uuid.NAMESPACE_URL, uuid.NAMESPACE_DNS, uuid.UUID("6f1c2b4e-7d1a-4c55-9a0e-2f5d7a3b9c11")):
        for identity in (f"{mid}|email:{email}", f"{mid}|phone:{phone}"):
            assert uuid.uuid5(namespace, identity).hex not in secrets_of_victim

    attacker = requests.Session()
    answers = []

    def learns_nothing(response, what, echo=None):
        """``echo``: what the asker typed into the address, which a page may link back to."""
        answers.append(what)
        text = response.text.replace(echo, "") if echo else response.text
        for secret in secrets_of_victim:
            assert secret not in text, f"{what} gave away {secret!r}"
        if response.status_code != 201:  # a new sign-up of the asker's own gets its own code back, nothing else
            for field in ('"colour"', '"table"', '"suggestions"', '"deliveries"', '"members"'):
                assert field not in response.text, f"{what} answered {field}"
        return response

    # The sign-up API, with their email (another case, another name), their phone, and both.
    url = stack.url("registration", f"/api/v1/meetings/{mid}/registrations")
    base = {"name": "Iemand Anders", "languages": ["nl"], "interests": [], "preferred_channel": "email",
            "consent": {"contact": True, "share_with_initiatives": True}}
    for body in ({**base, "email": email.upper()},
                 {**base, "email": unique_email("aanvaller"), "phone": typed_phone},
                 {**base, "email": email, "phone": phone, "preferred_channel": "sms"},
                 {**base, "email": unique_email("aanvaller"), "companions": [{"name": "X", "phone": typed_phone}]}):
        r = learns_nothing(attacker.post(url, json=body, timeout=10), f"sign-up API {sorted(body)}")
        assert r.status_code in (200, 201, 429)
        if r.status_code == 200:
            assert r.json() == {"status": "already_registered"}

    # The sign-up form with their email, then with their phone: a neutral page, no redirect to theirs.
    form_url = stack.url("registration", f"/meetings/{mid}/aanmelden")
    for fields in ({"email": email.title()}, {"email": unique_email("aanvaller"), "phone": typed_phone}):
        data = {"csrf_token": form_token(attacker, form_url), "name": "Iemand Anders", "preferred_channel": "email",
                "consent_contact": "yes", **fields}
        r = learns_nothing(attacker.post(form_url, data=data, timeout=10), f"sign-up form {sorted(fields)}")
        assert r.status_code in (200, 429) and "/aanmelding/" not in r.url
        for lang in ("en",):
            data["csrf_token"] = form_token(attacker, form_url + f"?lang={lang}")
            r = learns_nothing(attacker.post(form_url + f"?lang={lang}", data=data, timeout=10), "the English form")
            assert r.status_code in (200, 429) and "/aanmelding/" not in r.url

    # The confirmation page and the cancel link, guessed from what can be known.
    for guess in (victim["registration_id"], email, phone, uuid.uuid5(uuid.NAMESPACE_URL, email).hex):
        for path in (f"/aanmelding/{guess}", f"/afmelden/{guess}"):
            r = learns_nothing(attacker.get(stack.url("registration", path), timeout=10), path, echo=guess)
            assert r.status_code == 404

    # Everything that names a person, without a token: refused.
    pid = victim["person_id"]
    for service, path in (
            ("registration", f"/api/v1/meetings/{mid}/checkins/{pid}"),
            ("registration", f"/api/v1/meetings/{mid}/checkins"),
            ("registration", f"/api/v1/meetings/{mid}/registrations"),
            ("registration", f"/api/v1/meetings/{mid}/registrations?q=Nadia"),
            ("registration", f"/api/v1/meetings/{mid}/registrations?q={phone[-4:]}"),
            ("registration", f"/api/v1/meetings/{mid}/registrations?q={victim['code']}"),
            ("registration", f"/api/v1/people/{pid}/export"),
            ("matching", f"/api/v1/meetings/{mid}/groups"),
            ("matching", f"/api/v1/meetings/{mid}/matches"),
            ("matching", f"/api/v1/meetings/{mid}/seating/{pid}"),
            ("notifications", f"/api/v1/deliveries?person_id={pid}"),
            ("notifications", f"/api/v1/deliveries?meeting_id={mid}")):
        r = learns_nothing(attacker.get(stack.url(service, path), timeout=10), f"{service} {path}")
        assert r.status_code == 401, f"{service} {path}: {r.status_code}"

    # The door (its search, its arrivals) without an organiser's session: the login page, nothing else.
    for method, path, data in (("get", f"/deur/{mid}", None), ("post", f"/deur/{mid}/zoeken", {"q": "Nadia"}),
                               ("post", f"/deur/{mid}/zoeken", {"q": victim["code"]}),
                               ("get", f"/deur/{mid}/aankomsten.json", None)):
        r = getattr(attacker, method)(stack.url("registration", path), data=data, timeout=10)
        learns_nothing(r, f"door {path}")
        assert r.status_code in (400, 401, 403) or "/inloggen" in r.url, f"door {path}: {r.status_code} {r.url}"
    assert stack.http.delete(stack.url("registration", f"/api/v1/people/{pid}"), timeout=10).status_code == 401

    # And the victim was not harmed meanwhile: still signed up, still seated, their messages only theirs.
    assert colour["colour"] and stack.get("registration", f"/api/v1/meetings/{mid}/checkins/{pid}",
                                          headers=stack.organiser).json()["colour"] == colour["colour"]
    # What was sent again went to the victim's own address, in their own name, not the asker's.
    victims_mail = stack.mail(to=email)
    assert victims_mail and not [m for m in victims_mail if "Iemand Anders" in m["text"]]
    print(f"privacy: {len(answers)} public answers checked, 0 gave anything away")
