"""The evening page's link: short enough for an SMS, readable only with the key that signed it."""
import uuid

from wijkkracht import evening_link


def ids():
    return uuid.uuid4().hex, uuid.uuid4().hex


def test_a_token_names_its_evening_and_person_and_stays_short():
    meeting_id, person_id = ids()
    token = evening_link.token("key", meeting_id, person_id)
    assert len(token) == 55 and token.isascii()
    assert evening_link.read("key", token) == (meeting_id, person_id)
    url = evening_link.url("http://127.0.0.1:8001/", "key", meeting_id, person_id)
    assert url == f"http://127.0.0.1:8001/t/{token}"


def test_another_key_an_altered_or_cut_token_reads_as_nothing():
    meeting_id, person_id = ids()
    token = evening_link.token("key", meeting_id, person_id)
    assert evening_link.read("other key", token) is None
    for i in range(len(token)):
        for c in "AQgw_-":
            forged = token[:i] + c + token[i + 1:]
            if forged != token:
                assert evening_link.read("key", forged) is None
    assert evening_link.read("key", token[:-1]) is None
    assert evening_link.read("key", "") is None
    assert evening_link.read("key", None) is None


def test_ids_that_are_not_ours_get_no_link():
    assert evening_link.token("key", "not-hex", uuid.uuid4().hex) is None
    assert evening_link.url("http://x", "key", "abc", "def") is None
