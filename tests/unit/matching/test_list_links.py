"""The short link of the thanks SMS: it names the evening and the resident, fits a text, and expires."""
import datetime as dt
import uuid

from matching import config, links


def test_the_list_link_is_short_names_its_resident_and_expires():
    meeting, person = uuid.uuid4().hex, uuid.uuid4().hex
    url = links.list_url(meeting, person)
    token = url.rsplit("/a/", 1)[1]
    assert len(token) == 60 and url.startswith(config.answer_base_url())
    assert links.read_list_token(token) == (meeting, person)
    old = links.list_url(meeting, person, now=dt.datetime.now(dt.timezone.utc)
                         - dt.timedelta(seconds=config.answer_link_max_age_s() + 60)).rsplit("/a/", 1)[1]
    assert links.read_list_token(old) is None
    assert links.read_list_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
