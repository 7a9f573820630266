"""Residents who only have a phone: every text fits two segments, the thanks text links to one page of all
their suggestions (in their language) where they answer, and a walk-in at the door gets no 'you are signed up'
text — only their colour."""
import random
import re
import uuid

from tests.support import unique_email, wait_until

SEGMENTS_GSM7 = 2 * 153


def random_mobile() -> tuple[str, str]:
    digits = "12" + "".join(random.choice("0123456789") for _ in range(6))
    return f"06{digits}", f"+316{digits}"


def initiative(name: str) -> dict:
    return {"name": name, "description": "Samen koken en eten in de wijk", "area": "Delfshaven",
            "contact": {"name": "Sam", "email": f"{uuid.uuid4().hex[:8]}@example.org"}, "themes": ["koken"],
            "target_groups": ["iedereen"], "looking_for": ["iedereen"],
            "roles": [{"title": "Kookmaatje", "description": "Samen koken", "themes": ["koken"], "capacity": 3}]}


def test_a_walk_in_gets_their_colour_but_no_sign_up_text(stack):
    meeting = stack.create_meeting(title="Wijkkracht Deur")
    typed, e164 = random_mobile()
    r = stack.post("registration", f"/api/v1/meetings/{meeting['id']}/checkins",
                   {"name": "Kees de Vries", "phone": typed, "preferred_channel": "sms",
                    "consent": {"contact": True, "share_with_initiatives": False}}, organiser=True)
    assert r.status_code == 201, r.text
    texts = wait_until(lambda: stack.sms(to=e164), 240, message="the walk-in's colour text")
    assert "kleur" in texts[0]["body"].lower()
    # The colour came; the sign-up text (handled before it, same resident) did not, and never will.
    assert not any("aangemeld" in t["body"] or "/afmelden/" in t["body"] for t in stack.sms(to=e164))


def test_an_sms_only_resident_answers_all_suggestions_on_one_page_in_english(stack):
    made = [stack.post("registration", "/api/v1/initiatives", initiative(n), organiser=True).json()
            for n in ("Young Kitchen", "de Keuken")]
    ids = [i["id"] for i in made]
    meeting = stack.create_meeting(title="Wijkkracht Delfshaven", venue="Post West", area="Delfshaven",
                                   initiative_ids=ids, group_size=3)
    mid = meeting["id"]
    typed, e164 = random_mobile()
    resident = stack.sign_up(mid, name="Sam Jones", email=None, phone=typed, preferred_channel="sms",
                             language="en", interests=["koken"])
    others = [stack.sign_up(mid, name=f"Bewoner {n}", email=unique_email()) for n in range(2)]
    for r in [resident] + others:
        assert stack.post("registration", f"/api/v1/meetings/{mid}/checkins",
                          {"registration_id": r["registration_id"]}, organiser=True).status_code in (200, 201)
    assert stack.post("registration", f"/api/v1/meetings/{mid}/interests",
                      {"person_id": resident["person_id"], "initiative_ids": ids}, organiser=True).status_code in (200, 201)
    wait_until(lambda: len(stack.sms(to=e164)) >= 2, 240, message="the confirmation and colour texts")
    assert stack.post("registration", f"/api/v1/meetings/{mid}/start", organiser=True).status_code == 200
    assert stack.post("registration", f"/api/v1/meetings/{mid}/close", organiser=True).status_code == 200

    thanks = wait_until(lambda: [t for t in stack.sms(to=e164) if "thank you for coming" in t["body"]], 240,
                        message="the thanks text")[0]["body"]
    for text in stack.sms(to=e164):  # every text this resident got fits two segments
        assert len(text["body"]) <= SEGMENTS_GSM7, text["body"]
    assert "e-mail" not in thanks and "the site" not in thanks
    link = re.search(r"https?://\S+/a/[A-Za-z0-9_-]+", thanks).group(0)

    page = stack.http.get(link, timeout=10)  # no ?lang: the resident signed up in English
    assert page.status_code == 200 and '<html lang="en">' in page.text and "<main" in page.text
    assert "Young Kitchen" in page.text and "de Keuken" in page.text
    assert page.text.count("Yes, I would like to join") == 2
    role_id = made[0]["roles"][0]["id"]
    answered = stack.http.post(link, data={"initiative_id": ids[0], "role_id": role_id, "answer": "accept"},
                               timeout=10)
    assert answered.status_code == 200 and "We will let Young Kitchen know" in answered.text
    assert "You said: yes" in answered.text
    matches = stack.get("matching", f"/api/v1/meetings/{mid}/matches", headers=stack.organiser).json()
    mine = next(r for r in matches["residents"] if r["person_id"] == resident["person_id"])
    assert mine.get("answers", {}).get(role_id) == "accept" or any(
        s.get("answer") == "accept" for s in mine["suggestions"] if s["role_id"] == role_id), mine
    # A link altered by one character opens nothing.
    forged = link[:-1] + ("A" if link[-1] != "A" else "B")
    assert stack.http.get(forged, timeout=10).status_code == 404


def test_a_cancel_link_opens_in_the_language_the_resident_signed_up_in(stack):
    meeting = stack.create_meeting(title="Wijkkracht Taal")
    email = unique_email("taal")
    stack.sign_up(meeting["id"], name="Sam Jones", email=email, language="en")
    mail = wait_until(lambda: stack.mail(to=email), 240, interval_s=1, message="the confirmation email")[0]
    link = re.search(r"https?://\S+/afmelden/[A-Za-z0-9_.-]+", mail["text"]).group(0)
    assert len(link.rsplit("/", 1)[1]) == 34  # the compact token, short enough for a text message
    page = stack.http.get(link, headers={"Accept-Language": "nl-NL,nl;q=0.9"}, timeout=10)
    assert page.status_code == 200 and '<html lang="en">' in page.text and "Cancel your place" in page.text
