"""The colour message carries the resident's evening page link, signed so registration can read it, and the SMS
stays within two segments."""
import datetime as dt
import uuid

from wijkkracht import config as shared_config
from wijkkracht import evening_link

from notifications import compose
from notifications.domain import sms
from notifications.render import Renderer

MEETING_ID, PERSON_ID = uuid.uuid4().hex, uuid.uuid4().hex
MEETING = {"_id": MEETING_ID, "title": "Wijkkracht-avond Delfshaven bij Post West",
           "starts_at": dt.datetime(2026, 12, 12, 18, 0, tzinfo=dt.timezone.utc), "venue": "Post West"}


def rendered(language: str):
    person = {"name": "Ayşe Yılmaz", "language": language}
    ctx = {"people": {PERSON_ID: person}, "meetings": {MEETING_ID: MEETING}, "registrations": {},
           "initiatives": {}}
    delivery = {"kind": "colour", "person_id": PERSON_ID, "meeting_id": MEETING_ID,
                "data": {"colour": "oranje", "table": 5}}
    out = compose.compose(delivery, compose.recipient(delivery, ctx), ctx, unsubscribe_url="https://wk.example/u")
    return Renderer().render(out.template, out.language, out.context)


def test_the_colour_message_links_to_the_residents_own_evening_page_in_both_languages():
    registration_secret = shared_config.secret("LINK_SECRET", "registration")
    for language, words in (("nl", "Jouw avond: "), ("en", "Your evening: ")):
        message = rendered(language)
        url = message.sms.split(words, 1)[1]
        assert url.startswith("http://127.0.0.1:8001/t/")
        assert evening_link.read(registration_secret, url.rsplit("/", 1)[1]) == (MEETING_ID, PERSON_ID)
        assert url in message.text and f'href="{url}"' in message.html
        assert sms.measure(sms.prepare(message.sms).text).segments <= 2
