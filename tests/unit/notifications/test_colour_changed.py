"""A resident whose table was closed at the start gets their new colour at once, as a change, in their language:
short, naming the new colour and table (and the old colour), the SMS within two segments."""
import datetime as dt
import uuid

from notifications import compose
from notifications.domain import sms
from notifications.render import Renderer

MEETING_ID, PERSON_ID = uuid.uuid4().hex, uuid.uuid4().hex
MEETING = {"_id": MEETING_ID, "title": "Wijkkracht-avond Delfshaven bij Post West",
           "starts_at": dt.datetime(2026, 12, 12, 18, 0, tzinfo=dt.timezone.utc), "venue": "Post West"}


def rendered(language: str, data: dict, kind: str = "colour_changed"):
    person = {"name": "Ayşe Yılmaz", "language": language}
    ctx = {"people": {PERSON_ID: person}, "meetings": {MEETING_ID: MEETING}, "registrations": {},
           "initiatives": {}}
    delivery = {"kind": kind, "person_id": PERSON_ID, "meeting_id": MEETING_ID, "data": data}
    out = compose.compose(delivery, compose.recipient(delivery, ctx), ctx, unsubscribe_url="https://wk.example/u")
    return out.template, Renderer().render(out.template, out.language, out.context)


def test_a_new_colour_at_the_start_is_told_as_a_change_in_dutch_and_english():
    data = {"colour": "rood", "table": 1, "changed_from": "groen"}
    template, nl = rendered("nl", data)
    assert template == "colour_changed"
    assert nl.subject == "Nieuwe kleur: ROOD"
    assert "nieuwe kleur: ROOD, tafel 1" in nl.sms and "Niet meer GROEN" in nl.sms
    assert "Je nieuwe kleur: ROOD, tafel 1." in nl.text and "<strong>ROOD</strong>" in nl.html
    _template, en = rendered("en", data)
    assert en.subject == "New colour: RED"
    assert "new colour: RED, table 1" in en.sms and "No longer GREEN" in en.sms
    for message in (nl, en):
        assert sms.measure(sms.prepare(message.sms).text).segments <= 2


def test_a_first_colour_is_still_the_welcome():
    template, nl = rendered("nl", {"colour": "blauw", "table": 2}, kind="colour")
    assert template == "colour" and nl.subject == "Jouw kleur: BLAUW"
