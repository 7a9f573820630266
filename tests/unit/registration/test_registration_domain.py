"""The registration domain's rules, with no infrastructure: the lifecycle, codes, contact rules."""
import datetime as dt

import pytest

from registration.domain import model
from registration.domain.errors import Closed, InvalidTransition


def test_an_evening_goes_scheduled_checkin_started_closed_and_each_step_has_its_event():
    status, event = model.transition(model.SCHEDULED, "open_checkin")
    assert (status, event) == (model.CHECKIN_OPEN, "meeting.checkin_opened")
    status, event = model.transition(status, "start")
    assert (status, event) == (model.STARTED, "meeting.started")
    status, event = model.transition(status, "close")
    assert (status, event) == (model.CLOSED, "meeting.closed")


def test_a_closed_evening_cannot_be_started_or_closed_again():
    with pytest.raises(InvalidTransition):
        model.transition(model.CLOSED, "start")
    with pytest.raises(InvalidTransition):
        model.transition(model.CLOSED, "close")


def test_a_closed_evening_takes_no_sign_ups():
    with pytest.raises(Closed):
        model.ensure_accepts_signups(model.CLOSED)
    model.ensure_accepts_signups(model.CHECKIN_OPEN)  # latecomers may still sign up at the door


def test_codes_are_short_readable_and_easy_to_say_at_the_door():
    codes = {model.new_code() for _ in range(500)}
    assert len(codes) > 490
    for code in codes:
        assert len(code) == 6
        assert not set(code) & set("01OIL")
        assert model.looks_like_code(code.lower())
    assert model.normalise_code(" k7q-h2m ") == "K7QH2M"
    assert not model.looks_like_code("Fatima")


def test_the_same_email_in_any_case_is_the_same_person_and_no_contact_never_collides():
    assert model.identity_keys("r1", "Fatima@Example.org", None)[0] == model.identity_keys("r2", "fatima@example.org",
                                                                                         None)[0]
    assert model.identity_keys("r1", None, None) != model.identity_keys("r2", None, None)


def test_contact_rules_ask_for_what_the_chosen_channel_needs():
    assert model.contact_errors("email", None, None) == {"email": ["email_or_phone"], "phone": ["email_or_phone"]}
    assert model.contact_errors("sms", "a@example.org", None) == {"phone": ["needed_for_channel"]}
    assert model.contact_errors("email", None, "+31612345678") == {"email": ["needed_for_channel"]}
    assert model.contact_errors("sms", None, "+31612345678") == {}


def test_only_time_and_venue_changes_are_told_to_registrants():
    before = {"title": "Noord", "starts_at": 1, "venue": "de Banier"}
    assert model.changed_fields(before, {"title": "Noord", "venue": "Post West"}) == ["venue"]
    assert model.must_notify(["venue"]) and model.must_notify(["starts_at"])
    assert not model.must_notify(["title"])


def test_the_door_finds_names_by_the_start_of_any_word():
    assert model.name_matches("fat", "Fatima El Amrani")
    assert model.name_matches("el am", "Fatima El Amrani")
    assert not model.name_matches("ama", "Fatima El Amrani")


def test_retention_counts_from_the_evening():
    start = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    assert model.is_past_retention(start, start + dt.timedelta(days=31), 30)
    assert not model.is_past_retention(start, start + dt.timedelta(days=29), 30)
