"""Every text message fits two segments (2 × 153 GSM-7 characters, or 2 × 67 in UCS-2 once one character of a
name is outside GSM-7), in Dutch and English, with the longest values an evening realistically has."""
import datetime as dt
import pathlib
import uuid

import pytest

from notifications import compose
from notifications.domain import sms
from notifications.render import TEMPLATES, Renderer

STARTS = dt.datetime(2026, 12, 12, 18, 0, tzinfo=dt.timezone.utc)
MEETING_ID, PERSON_ID, OTHER_ID = uuid.uuid4().hex, uuid.uuid4().hex, uuid.uuid4().hex
BASE = "https://aanmelden.wijkkracht-rotterdam.example.nl"
CANCEL_URL = BASE + "/afmelden/" + "x" * 34  # registration's compact cancel token
LIST_URL = "https://antwoord.wijkkracht-rotterdam.example.nl/a/" + "y" * 60  # matching's compact answers token
ACCEPT_URL = "https://antwoord.wijkkracht-rotterdam.example.nl/antwoord/" + "z" * 180  # email only

PLAIN = {  # GSM-7 once accents are folded (é, ë and the like)
    "person": "Fatima-Zahra El Amrani-Bouzidi", "signed_up_by": "Mohamed Abdelkader El Ouazzani",
    "title": "Wijkkracht Delfshaven: kennismaken met je buren en de initiatieven uit de wijk",
    "venue": "Buurthuis Post West, grote zaal (ingang Schiedamseweg)",
    "initiative": "Stichting De Vrouwen van Delfshaven - Samen Sterk in de Wijk",
    "other": "Weg van School & Cultuurmix: huiswerkbegeleiding en ontmoeting",
}
UNICODE = {  # a dotless ı, Arabic script: the whole text goes as UCS-2
    "person": "Ayşe Yılmaz-Kılıç", "signed_up_by": "فاطمة الزهراء العمراني",
    "title": "Wijkkracht Delfshaven met Türk Kadınlar Dayanışma Derneği",
    "venue": "Buurthuis Post West, grote zaal (ingang Schiedamseweg)",
    "initiative": "Türk Kadınlar Dayanışma Derneği Rotterdam-Delfshaven",
    "other": "جمعية النساء العربيات في روتردام - Arabische Vrouwen Rotterdam",
}
KINDS = sorted(p.stem for p in (TEMPLATES / "nl").glob("*.j2") if not p.stem.startswith("_"))


def context(names: dict, lang: str) -> dict:
    contact = {"name": "Khadija Ben Haddou-Vermeulen", "email": "contact@vrouwenvandelfshaven-samensterk.nl",
               "phone": "+31612345678"}
    initiative = {"_id": "i1", "name": names["initiative"], "description": "Koken, praten en samen dingen doen.",
                  "contact": contact, "roles": {"r1": "Gastvrouw bij de inloopochtend op woensdag"}}
    other = {**initiative, "_id": "i2", "name": names["other"]}
    return {
        "people": {PERSON_ID: {"name": names["person"], "phone": "+31687654321", "email": "fatima@example.org",
                               "language": lang, "preferred_channel": "sms",
                               "consent": {"share_with_initiatives": True}}},
        "meetings": {MEETING_ID: {"_id": MEETING_ID, "title": names["title"], "starts_at": STARTS,
                                  "venue": names["venue"], "area": "Delfshaven"}},
        "registrations": {"r1": {"code": "K7Q2XZ", "cancel_url": CANCEL_URL}},
        "initiatives": {"i1": initiative, "i2": other},
    }


def delivery(kind: str, names: dict) -> dict:
    suggestion = {"initiative_id": "i1", "role_id": "r1", "accept_url": ACCEPT_URL, "decline_url": ACCEPT_URL,
                  "reasons": {"nl": ["Je wilde meedoen."], "en": ["You asked to join."]}}
    data = {"code": "K7Q2XZ", "cancel_url": CANCEL_URL, "signed_up_by": names["signed_up_by"], "colour": "oranje",
            "table": 12, "previous_colour": "paars", "previous_table": 11,
            "suggestions": [suggestion, {**suggestion, "initiative_id": "i2"}, suggestion], "list_url": LIST_URL,
            "resident_id": PERSON_ID, "role_id": "r1", "initiative_ids": ["i1", "i2"],
            "reasons": {"nl": ["Samen sterk in de wijk."], "en": ["Stronger together."]}}
    if kind == "introduction_initiative":  # the introduction as the initiative gets it
        return {"kind": "introduction", "audience": "initiative", "person_id": PERSON_ID, "meeting_id": MEETING_ID,
                "initiative_id": "i1", "data": data}
    return {"kind": kind, "person_id": PERSON_ID, "meeting_id": MEETING_ID, "registration_id": "r1",
            "initiative_id": "i1", "data": data}


@pytest.fixture(scope="module")
def renderer():
    return Renderer()


@pytest.mark.parametrize("names", [PLAIN, UNICODE], ids=["gsm7-names", "ucs2-names"])
@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("kind", KINDS)
def test_every_text_message_fits_two_segments(renderer, kind, lang, names):
    c = context(names, lang)
    d = delivery(kind, names)
    to = compose.recipient(d, c)
    out = compose.compose(d, to, c, unsubscribe_url=BASE + "/afmelden/" + "u" * 60)
    text = sms.prepare(renderer.render(out.template, lang, out.context).sms)
    assert text.segments <= 2, f"{kind} ({lang}, {text.encoding}, {text.units} units): {text.text}"
    assert text.text.startswith(("Wijkkracht", "Welkom", "Welcome")), text.text  # the sender is named


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_thanks_text_links_to_the_page_of_all_suggestions(renderer, lang):
    c = context(PLAIN, lang)
    d = delivery("thanks", PLAIN)
    out = compose.compose(d, compose.recipient(d, c), c, unsubscribe_url=None)
    text = renderer.render(out.template, lang, out.context).sms
    assert LIST_URL in text and ACCEPT_URL not in text
    assert "e-mail of op de site" not in text  # no promise of a page that is not there
    assert ("3 initiatieven" if lang == "nl" else "3 initiatives") in text


def test_the_kinds_checked_are_every_template_there_is():
    assert {"confirmation", "reminder", "colour", "thanks", "cancellation"} <= set(KINDS)
    assert all(pathlib.Path(TEMPLATES / "en" / f"{k}.j2").exists() for k in KINDS)


@pytest.mark.parametrize("lang, told", [("nl", "De organisator brengt jullie in contact."),
                                        ("en", "The organiser will put you in touch.")])
def test_the_short_pair_text_says_the_organiser_connects_them_when_the_other_has_no_contact(renderer, lang, told):
    """The short form (used when names make the long one cost more than two segments) must not end bare."""
    template = renderer._template(renderer.text_env, "initiative_pair_accepted", lang)
    context = {"initiative": {"name": "Tori Oso"}, "lang": lang, "other": {
        "name": "Brug tussen jong en oud", "contact_name": None, "contact_email": None, "contact_phone": None}}
    assert renderer._block(template, "sms_short", context).endswith(told)
    context["other"].update(contact_name="Els", contact_phone="+31612345678")
    assert renderer._block(template, "sms_short", context).endswith("+31612345678")
