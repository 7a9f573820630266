"""The door's search for a queue (DESIGN §4 GET /api/v1/meetings/<id>/registrations?q=): by name with case and
accents ignored, by personal code, by the last digits of a phone number; organisers only; the door page's
search (no JavaScript) finds the same and only offers a walk-in sign-up once code or phone were tried."""
import re
import uuid

import pytest

from tests.integration.registration.test_registration_door import csrf, logged_in, organiser_login  # noqa: F401
from tests.support import unique_email

SEARCH = "/api/v1/meetings/{}/registrations"


def unique_phone() -> str:
    """A Dutch mobile number of its own (the last four digits too, in practice)."""
    return "061" + str(uuid.uuid4().int)[:7]


@pytest.fixture(scope="module")
def evening(stack):
    meeting = stack.create_meeting(title="Wijkkracht Delfshaven", venue="Post West", area="Delfshaven")
    people = {
        "ayse": stack.sign_up(meeting["id"], name="Ayşe Yılmaz", email=unique_email()),
        "lucia": stack.sign_up(meeting["id"], name="Lucía Fernández", email=unique_email()),
        "ipek": stack.sign_up(meeting["id"], name="İpek Çelik", email=unique_email()),
        "jurgen": stack.sign_up(meeting["id"], name="Jürgen Müller-Lüdenscheid", email=unique_email()),
        "ayla": stack.sign_up(meeting["id"], name="Ayla Bakker", email=unique_email()),
    }
    phone = unique_phone()
    people["kees"] = stack.sign_up(meeting["id"], name="Kees de Vries", phone=phone, email=None,
                                   preferred_channel="sms")
    people["kees"]["phone"] = phone
    return meeting, people


def search(stack, meeting_id: str, q: str, **kw):
    return stack.get("registration", SEARCH.format(meeting_id), params={"q": q}, headers=stack.organiser, **kw)


def names(stack, meeting_id: str, q: str) -> list[str]:
    r = search(stack, meeting_id, q)
    assert r.status_code == 200, r.text
    return [x["name"] for x in r.json()["registrations"]]


@pytest.mark.parametrize("typed", ["Ayse", "ayse yilmaz", "Yilmaz", "AYŞE", "yılmaz ayşe", "  ayse   yil "])
def test_a_name_is_found_whatever_the_case_and_accents(stack, evening, typed):
    meeting, _ = evening
    assert names(stack, meeting["id"], typed) == ["Ayşe Yılmaz"]


@pytest.mark.parametrize("typed, expected", [("Lucia", "Lucía Fernández"), ("fernandez", "Lucía Fernández"),
                                             ("ipek celik", "İpek Çelik"), ("Celik", "İpek Çelik"),
                                             ("jurgen muller", "Jürgen Müller-Lüdenscheid"),
                                             ("ludenscheid", "Jürgen Müller-Lüdenscheid")])
def test_accented_letters_of_other_languages_are_found_by_their_plain_letters(stack, evening, typed, expected):
    meeting, _ = evening
    assert names(stack, meeting["id"], typed) == [expected]


def test_the_beginning_of_a_name_finds_everyone_it_begins_and_no_one_else(stack, evening):
    meeting, _ = evening
    assert sorted(names(stack, meeting["id"], "ay")) == ["Ayla Bakker", "Ayşe Yılmaz"]
    assert names(stack, meeting["id"], "ayse bakker") == []
    assert names(stack, meeting["id"], "ilmaz") == []  # a word's middle is no beginning


def test_a_personal_code_is_found_in_any_case(stack, evening):
    meeting, people = evening
    r = search(stack, meeting["id"], people["lucia"]["code"].lower())
    [found] = r.json()["registrations"]
    assert found["name"] == "Lucía Fernández" and found["code"] == people["lucia"]["code"]
    assert set(found) >= {"registration_id", "person_id", "name", "code", "status", "checked_in"}
    assert found["registration_id"] == people["lucia"]["registration_id"]
    assert "code" in r.json()["searched_by"]


def test_the_last_digits_of_a_phone_number_find_its_resident(stack, evening):
    meeting, people = evening
    phone = people["kees"]["phone"]
    for typed in (phone[-4:], phone[-6:], phone, "+31 " + phone[1:], f"{phone[:2]}-{phone[2:]}"):
        assert names(stack, meeting["id"], typed) == ["Kees de Vries"], typed
    assert names(stack, meeting["id"], str((int(phone[-4:]) + 1) % 10000).zfill(4)) == []


def test_a_resident_is_found_at_their_own_evening_only(stack, evening):
    meeting, people = evening
    other = stack.create_meeting()
    assert names(stack, other["id"], "Ayse") == []
    assert names(stack, other["id"], people["kees"]["phone"][-4:]) == []
    assert names(stack, other["id"], people["ayse"]["code"]) == []


def test_a_cancelled_registration_is_not_found_at_the_door(stack):
    meeting = stack.create_meeting()
    resident = stack.sign_up(meeting["id"], name="Noor Haddou", email=unique_email())
    assert names(stack, meeting["id"], "noor") == ["Noor Haddou"]
    cancelled = stack.post("registration", f"/api/v1/registrations/{resident['registration_id']}/cancel", {},
                           organiser=True)
    assert cancelled.status_code == 200
    assert names(stack, meeting["id"], "noor") == []


def test_a_result_says_whether_the_resident_is_checked_in(stack):
    meeting = stack.create_meeting()
    resident = stack.sign_up(meeting["id"], name="Samira Bakkali", email=unique_email())
    [before] = search(stack, meeting["id"], "samira").json()["registrations"]
    assert before["checked_in"] is False
    stack.post("registration", f"/api/v1/meetings/{meeting['id']}/checkins",
               {"registration_id": resident["registration_id"]}, organiser=True)
    [after] = search(stack, meeting["id"], "samira").json()["registrations"]
    assert after["checked_in"] is True


def test_the_search_needs_an_organiser(stack, evening):
    meeting, _ = evening
    r = stack.get("registration", SEARCH.format(meeting["id"]), params={"q": "ayse"})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthorized" and "Ayşe" not in r.text
    wrong = stack.get("registration", SEARCH.format(meeting["id"]), params={"q": "ayse"},
                      headers={"Authorization": "Bearer not-the-token"})
    assert wrong.status_code == 401


def test_an_unknown_evening_or_an_overlong_query_is_a_4xx(stack):
    assert search(stack, "no-such-evening", "ayse").status_code == 404
    long = search(stack, stack.create_meeting()["id"], "a" * 101)
    assert long.status_code == 422 and "q" in long.json()["error"]["fields"]


def test_the_door_page_uses_the_same_search_with_an_organisers_session(stack, evening, organiser_login):  # noqa: F811
    meeting, _ = evening
    session = logged_in(stack, organiser_login)
    r = session.get(stack.url("registration", SEARCH.format(meeting["id"])), params={"q": "lucia"})
    assert r.status_code == 200 and [x["name"] for x in r.json()["registrations"]] == ["Lucía Fernández"]


def test_the_door_page_offers_a_walk_in_only_after_code_or_phone_were_tried(stack, evening, organiser_login):  # noqa: F811
    meeting, _ = evening
    session = logged_in(stack, organiser_login)
    page = session.get(stack.url("registration", f"/deur/{meeting['id']}"))
    post = lambda q: session.post(stack.url("registration", f"/deur/{meeting['id']}/zoeken"),  # noqa: E731
                                  data={"csrf_token": csrf(page.text), "q": q})
    found = post("ayse yilmaz")
    assert "Ayşe Yılmaz" in found.text
    by_name = post("Zeynep Nobody")
    message = re.search(r'<div id="search-message".*?</div>', by_name.text, re.S).group(0)
    assert "Niemand gevonden met deze naam" in message and "code" in message
    assert "binnenloper" not in message.lower()
    by_digits = post("0000")
    message = re.search(r'<div id="search-message".*?</div>', by_digits.text, re.S).group(0)
    assert "binnenloper" in message.lower() and 'href="#walkin"' in message
