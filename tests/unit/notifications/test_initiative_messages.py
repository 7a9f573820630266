"""What an initiative's contact reads: the confirmation, its page's link again, the pair accepted, and the
introductions, each in the initiative's own language with the link to its page; texts within two segments."""
import pytest

from notifications import compose, outcomes
from notifications.domain import model, sms
from notifications.render import Renderer

PAGE_URL = "https://aanmelden.wijkkracht-rotterdam.example.nl/initiatief/" + "k" * 56  # compact_link: 56
OTHER_PAGE_URL = "https://aanmelden.wijkkracht-rotterdam.example.nl/initiatief/" + "o" * 56
ROLES = [{"title": "Gastvrouw bij de inloopochtend", "capacity": 2}, {"title": "Kok", "capacity": 1}]
LONG = "Stichting De Vrouwen van Delfshaven - Samen Sterk in de Wijk"
UCS2 = "جمعية النساء العربيات في روتردام - Arabische Vrouwen Rotterdam"


def initiative(language="nl", *, name="Young Kitchen", email="sam@yk.example", phone=None, page_url=PAGE_URL):
    return {"_id": "i1", "name": name, "description": "Samen koken.", "language": language, "page_url": page_url,
            "contact": {"name": "Sam de Vries", "email": email, "phone": phone}, "roles": {"r1": "Kok"}}


def other(language="nl"):
    return {"_id": "i2", "name": "Tori Oso", "description": "Muziek.", "language": language,
            "page_url": OTHER_PAGE_URL, "contact": {"name": "Ada Oso", "email": "ada@tori.example",
                                                    "phone": "+31611112222"}}


def render(delivery: dict, initiatives: dict, people: dict | None = None):
    ctx = {"people": people or {}, "meetings": {}, "registrations": {}, "initiatives": initiatives}
    to = compose.recipient(delivery, ctx)
    out = compose.compose(delivery, to, ctx, unsubscribe_url="https://wk.example/afmelden/t")
    return to, Renderer().render(out.template, out.language, out.context)


def confirmation(status="pending", kind=model.INITIATIVE_CONFIRMATION):
    return {"kind": kind, "audience": compose.INITIATIVE, "initiative_id": "i1", "person_id": None,
            "meeting_id": None, "data": {"status": status, "roles": ROLES}}


def pair_accepted(own: str, languages=("nl", "en")) -> dict:
    both = [{"initiative_id": i, "name": d["name"], "contact": d["contact"], "language": lang}
            for i, d, lang in (("i1", initiative(), languages[0]), ("i2", other(), languages[1]))]
    return {"kind": model.INITIATIVE_PAIR_ACCEPTED, "audience": compose.INITIATIVE, "initiative_id": own,
            "person_id": None, "meeting_id": "m1", "data": {"initiative_ids": ["i1", "i2"], "initiatives": both}}


def test_an_english_initiative_is_confirmed_in_english_with_its_status_roles_and_page():
    _, msg = render(confirmation(), {"i1": initiative("en")})
    assert msg.subject == "Registration received: Young Kitchen"
    assert "Thank you for registering Young Kitchen" in msg.text
    assert "An organiser checks your registration first" in msg.text
    assert "- Gastvrouw bij de inloopochtend (2 people)" in msg.text and "- Kok (1 person)" in msg.text
    assert PAGE_URL in msg.text and "edit your roles" in msg.text and "evenings" in msg.text
    assert "/initiatieven/link" in msg.text  # where to ask for the link again
    assert f'href="{PAGE_URL}"' in msg.html


def test_a_dutch_approved_confirmation_says_it_takes_part():
    _, msg = render(confirmation("approved"), {"i1": initiative("nl")})
    assert msg.subject == "Young Kitchen is aangemeld bij Wijkkracht"
    assert "goedgekeurd: Young Kitchen doet mee" in msg.text and "eerst na" not in msg.text
    assert "(2 personen)" in msg.text and PAGE_URL in msg.text and "rollen aanpassen" in msg.text


@pytest.mark.parametrize("name", [LONG, UCS2, "Young Kitchen"])
@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("kind", [model.INITIATIVE_CONFIRMATION, model.INITIATIVE_LINK])
def test_a_phone_only_contact_gets_a_text_of_two_segments_at_most_with_the_link(kind, language, name):
    to, msg = render(confirmation(kind=kind), {"i1": initiative(language, name=name, email=None,
                                                                 phone="+31612345678")})
    assert model.choose_channel(to["preferred_channel"], to["email"], to["phone"], to["unsubscribed"]) == model.SMS
    text = sms.prepare(msg.sms)
    assert text.segments <= 2, text
    assert PAGE_URL in text.text and text.text.startswith("Wijkkracht")


def test_the_link_again_in_the_initiatives_language():
    _, nl = render(confirmation(kind=model.INITIATIVE_LINK), {"i1": initiative("nl")})
    _, en = render(confirmation(kind=model.INITIATIVE_LINK), {"i1": initiative("en")})
    assert "Hier is hij" in nl.text and PAGE_URL in nl.text
    assert en.subject == "The link to the page of Young Kitchen" and PAGE_URL in en.text


def test_a_pair_accepted_gives_each_the_others_details_in_its_own_language():
    initiatives = {"i1": initiative(), "i2": other()}
    to_1, one = render(pair_accepted("i1"), initiatives)
    to_2, two = render(pair_accepted("i2"), initiatives)
    assert to_1["email"] == "sam@yk.example" and to_2["email"] == "ada@tori.example"
    assert "allebei gezegd" in one.text and "Ada Oso" in one.text and "ada@tori.example" in one.text
    assert "+31611112222" in one.text and PAGE_URL in one.text and OTHER_PAGE_URL not in one.text
    assert "both said they are interested" in two.text and "Sam de Vries" in two.text
    assert "sam@yk.example" in two.text and OTHER_PAGE_URL in two.text and PAGE_URL not in two.text
    for msg in (one, two):
        assert sms.prepare(msg.sms).segments <= 2


def test_an_introduction_to_an_initiative_is_in_its_language_and_points_to_its_page():
    intro = {"kind": model.INITIATIVE_INTRODUCTION, "audience": compose.INITIATIVE, "initiative_id": "i1",
             "meeting_id": "m1", "person_id": None,
             "data": {"initiative_ids": ["i1", "i2"], "reasons": {"nl": ["Zelfde wijk"], "en": ["Same area"]}}}
    _, msg = render(intro, {"i1": initiative("en"), "i2": other()})
    assert msg.subject.startswith("Meet each other") and "Same area" in msg.text
    assert '"interested" or "not now" on your page: ' + PAGE_URL in msg.text
    assert OTHER_PAGE_URL not in msg.text + msg.html + msg.sms


def test_a_resident_introduced_to_an_initiative_never_sees_its_page_link_and_the_initiative_does():
    resident = {"name": "Fatima El Amrani", "email": "f@example.org", "language": "nl",
                "consent": {"share_with_initiatives": True}}
    data = {"resident_id": "p1", "role_id": "r1"}
    base = {"kind": model.INTRODUCTION, "initiative_id": "i1", "meeting_id": "m1", "data": data}
    _, to_resident = render({**base, "person_id": "p1"}, {"i1": initiative("en")}, {"p1": resident})
    _, to_initiative = render({**base, "person_id": None, "audience": compose.INITIATIVE},
                              {"i1": initiative("en")}, {"p1": resident})
    assert PAGE_URL not in to_resident.text + (to_resident.html or "") + to_resident.sms
    assert to_initiative.subject == "Someone would like to meet Young Kitchen"
    assert "See and answer this on your page: " + PAGE_URL in to_initiative.text


@pytest.mark.parametrize("kind", [model.INITIATIVE_CONFIRMATION, model.INITIATIVE_LINK, model.INITIATIVE_PAIR_ACCEPTED])
def test_what_became_of_a_message_to_an_initiative_names_the_initiative_and_no_address(kind):
    delivery = {**pair_accepted("i1"), "_id": "d1", "kind": kind}
    event = outcomes.event(model.SENT, delivery, model.EMAIL)
    assert event["type"] == "delivery.sent" and event["payload"]["initiative_id"] == "i1"
    assert event["payload"]["kind"] == kind and "sam@yk.example" not in str(event)
