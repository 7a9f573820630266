"""What residents read: the templates in both languages, the email itself, the calendar invite."""
import datetime as dt
import email
from email import policy

import pytest

from notifications import compose, links
from notifications.adapters import email as email_adapter
from notifications.domain import ics
from notifications.render import Renderer

STARTS = dt.datetime(2026, 12, 12, 18, 0, tzinfo=dt.timezone.utc)  # 19:00 in Rotterdam
MEETING = {"_id": "m1", "title": "Wijkkracht Delfshaven", "starts_at": STARTS, "venue": "Post West",
           "area": "Delfshaven"}


@pytest.fixture(scope="module")
def renderer():
    return Renderer()


def ctx(person):
    return {"people": {"p1": person}, "meetings": {"m1": MEETING},
            "registrations": {"r1": {"code": "K7Q2", "cancel_url": "https://wk.example/annuleren/abc"}},
            "initiatives": {"i1": {"_id": "i1", "name": "Young Kitchen", "contact": {"name": "Sam", "email": "s@yk.nl"},
                                   "roles": {"role1": "Kok"}}}}


def render(renderer, delivery, person):
    c = ctx(person)
    to = compose.recipient(delivery, c)
    out = compose.compose(delivery, to, c, unsubscribe_url="https://wk.example/afmelden/t")
    return out, renderer.render(out.template, out.language, out.context)


def test_a_dutch_confirmation_names_the_evening_time_place_code_and_cancel_link(renderer):
    person = {"name": "Fatima El Amrani", "language": "nl"}
    out, msg = render(renderer, {"kind": "confirmation", "person_id": "p1", "meeting_id": "m1",
                                 "registration_id": "r1"}, person)
    assert msg.subject == "Je bent aangemeld voor Wijkkracht Delfshaven"
    assert "Hoi Fatima" in msg.text and "zaterdag 12 december om 19:00" in msg.text
    assert "Post West" in msg.text and "K7Q2" in msg.text and "annuleren/abc" in msg.text
    assert "https://wk.example/afmelden/t" in msg.text
    assert "<strong>Wijkkracht Delfshaven</strong>" in msg.html
    assert out.attachments[0][1] == "text/calendar"


def test_english_where_asked_and_dutch_when_a_language_has_no_templates(renderer):
    delivery = {"kind": "colour", "person_id": "p1", "meeting_id": "m1", "data": {"colour": "blauw", "table": 2}}
    _, en = render(renderer, delivery, {"name": "Sam", "language": "en"})
    assert en.sms == "Welcome to Wijkkracht Delfshaven! Your colour: BLUE, table 2"
    _, other = render(renderer, delivery, {"name": "Sam", "language": "ar"})
    assert other.sms == "Welkom bij Wijkkracht Delfshaven! Jouw kleur: BLAUW, tafel 2"


def test_names_are_escaped_in_html_but_read_naturally_in_text(renderer):
    _, msg = render(renderer, {"kind": "confirmation", "person_id": "p1", "meeting_id": "m1",
                               "registration_id": "r1"}, {"name": "<b>Zoë's", "language": "nl"})
    assert "Hoi <b>Zoë's" in msg.text
    assert "&lt;b&gt;Zoë&#39;s" in msg.html


def test_an_initiative_only_gets_a_residents_contact_details_with_consent(renderer):
    delivery = {"kind": "introduction", "audience": "initiative", "initiative_id": "i1", "person_id": None,
                "meeting_id": "m1", "data": {"resident_id": "p1", "role_id": "role1"}}
    resident = {"name": "Fatima", "email": "fatima@example.org", "phone": "+31612345678", "language": "nl",
                "consent": {"contact": True, "share_with_initiatives": False}}
    _, msg = render(renderer, delivery, resident)
    assert "Fatima" in msg.text and "fatima@example.org" not in msg.text and "+31612345678" not in msg.text
    resident["consent"]["share_with_initiatives"] = True
    _, msg = render(renderer, delivery, resident)
    assert "fatima@example.org" in msg.text and "(Kok)" in msg.text


def test_the_email_carries_message_id_unsubscribe_headers_both_bodies_and_the_invite():
    raw = email_adapter.build("abc123", sender="Wijkkracht <noreply@wijkkracht.nl>", to="f@example.org",
                              to_name="Fatima", subject="Je bent aangemeld", text="Hoi Fatima\n", html="<p>Hoi</p>",
                              domain="wijkkracht.nl", unsubscribe_url="https://wk.example/afmelden/t",
                              attachments=[("wijkkracht.ics", "text/calendar", b"BEGIN:VCALENDAR\r\n")])
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert msg["Message-ID"] == "<abc123@wijkkracht.nl>"
    assert msg["List-Unsubscribe"] == "<https://wk.example/afmelden/t>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg.get_body(("plain",)).get_content().strip() == "Hoi Fatima"
    assert "<p>Hoi</p>" in msg.get_body(("html",)).get_content()
    assert [p.get_filename() for p in msg.iter_attachments()] == ["wijkkracht.ics"]


def test_the_invite_is_an_rfc5545_event_in_utc_with_the_evenings_uid():
    text = ics.evening("m1", "Wijkkracht Delfshaven, met Radar", STARTS, "Post West; Rotterdam", sequence=3)
    lines = text.split("\r\n")
    assert "DTSTART:20261212T180000Z" in lines and "UID:m1@wijkkracht.nl" in lines and "SEQUENCE:3" in lines
    assert "SUMMARY:Wijkkracht Delfshaven\\, met Radar" in lines
    assert all(len(line.encode()) <= 75 for line in lines)


def test_unsubscribe_tokens_round_trip_and_reject_tampering():
    token = links.unsubscribe_token("secret", "person", "p1", "sms")
    assert links.read_unsubscribe_token("secret", token) == ("person", "p1", "sms")
    assert links.read_unsubscribe_token("other-secret", token) is None
    assert links.read_unsubscribe_token("secret", token[:-2] + "xx") is None
