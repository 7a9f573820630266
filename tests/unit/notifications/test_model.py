"""The decisions about one delivery: its id, channel, retry timing, quiet hours, and when it waits."""
import datetime as dt
import random

from hypothesis import given, strategies as st

from notifications.domain import model

UTC = dt.timezone.utc


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def test_the_same_event_gives_the_same_delivery_id_and_another_event_another():
    assert model.delivery_id("confirmation", "reg-1") == model.delivery_id("confirmation", "reg-1")
    assert model.delivery_id("confirmation", "reg-1") != model.delivery_id("confirmation", "reg-2")
    assert model.delivery_id("confirmation", "reg-1") != model.delivery_id("reminder", "reg-1")


def test_the_preferred_channel_is_used_and_the_other_when_it_cannot_be():
    assert model.choose_channel("sms", "a@b.nl", "+31612345678", {}) == "sms"
    assert model.choose_channel("sms", "a@b.nl", None, {}) == "email"
    assert model.choose_channel("email", "a@b.nl", "+31612345678", {"email": True}) == "sms"
    assert model.choose_channel("email", "a@b.nl", "+31612345678", {"email": True, "sms": True}) is None


@given(st.integers(min_value=1, max_value=40))
def test_backoff_grows_and_stays_under_the_cap(attempt):
    rng = random.Random(attempt)
    delay = model.backoff_s(attempt, 1.0, 30.0, rng)
    assert 0 < delay <= 30.0
    assert delay >= min(30.0, 2 ** (attempt - 1)) / 2


def test_backoff_is_jittered():
    rng = random.Random(1)
    assert len({round(model.backoff_s(5, 1.0, 300.0, rng), 6) for _ in range(20)}) > 10


def test_an_sms_due_in_the_evening_is_held_until_eight_in_amsterdam():
    # 21:30 in Amsterdam in winter is 20:30 UTC; 08:00 next morning is 07:00 UTC.
    assert model.quiet_until(at("2026-12-11T20:30:00+00:00")) == at("2026-12-12T07:00:00+00:00")
    # 03:00 in summer (UTC+2) is held until 08:00 the same day, 06:00 UTC.
    assert model.quiet_until(at("2026-07-01T01:00:00+00:00")) == at("2026-07-01T06:00:00+00:00")
    assert model.quiet_until(at("2026-12-11T12:00:00+00:00")) is None
    assert model.quiet_until(at("2026-12-11T19:59:59+00:00")) is None  # 20:59:59 local


def delivery(kind="confirmation", created=None, **kw):
    return {"_id": "d1", "kind": kind, "created_at": created or at("2026-12-11T12:00:00+00:00"), **kw}


PERSON = {"name": "Fatima", "email": "f@example.org", "phone": "+31612345678", "preferred_channel": "sms"}
MEETING = {"_id": "m1", "title": "Wijkkracht Noord", "starts_at": at("2026-12-14T18:00:00+00:00")}


def test_a_confirmation_waits_briefly_for_its_evening_then_goes_without_it():
    waiting = delivery(waiting_since=at("2026-12-11T12:00:00+00:00"))
    assert model.plan(delivery(), PERSON, None, at("2026-12-11T12:00:00+00:00")).action == "defer"  # first look
    assert model.plan(waiting, PERSON, None, at("2026-12-11T12:00:05+00:00")).action == "defer"
    assert model.plan(waiting, PERSON, None, at("2026-12-11T12:01:00+00:00")) == model.Plan("send", channel="sms")


def test_a_colour_for_someone_not_known_yet_waits_for_them_even_after_an_outage():
    # Made just before the store went away for a minute; the person's registration is still on its way.
    colour = delivery("colour", created=at("2026-12-11T18:00:00+00:00"))
    back = at("2026-12-11T18:01:05+00:00")
    assert model.plan(colour, None, MEETING, back).reason == "waiting for the person"
    still = {**colour, "waiting_since": back}
    assert model.plan(still, None, MEETING, back + dt.timedelta(seconds=30)).action == "defer"
    assert model.plan(still, PERSON, MEETING, back + dt.timedelta(seconds=30)) == model.Plan("send", channel="sms")
    # Someone who never becomes known is given up on, after a long wait.
    assert model.plan(still, None, MEETING, back + dt.timedelta(seconds=model.PERSON_WAIT_S)).action == "suppress"


def test_an_sms_at_night_is_held_but_the_colour_goes_at_once():
    night = at("2026-12-11T22:30:00+00:00")  # 23:30 in Amsterdam
    held = model.plan(delivery(created=night), PERSON, MEETING, night)
    assert held.action == "defer" and held.until == at("2026-12-12T07:00:00+00:00")
    assert model.plan(delivery("colour", created=night), PERSON, MEETING, night).action == "send"
    by_email = {**PERSON, "preferred_channel": "email"}
    assert model.plan(delivery(created=night), by_email, MEETING, night) == model.Plan("send", channel="email")


def test_nothing_goes_to_someone_unsubscribed_from_every_channel_or_erased():
    now = at("2026-12-11T12:00:00+00:00")
    gone = {**PERSON, "unsubscribed": {"sms": True, "email": True}}
    assert model.plan(delivery(), gone, MEETING, now).action == "suppress"
    assert model.plan(delivery(), {"erased": True}, MEETING, now).action == "suppress"


def test_a_reminder_is_not_sent_after_the_evening_started_or_after_a_cancel():
    after = at("2026-12-14T18:30:00+00:00")
    assert model.plan(delivery("reminder"), PERSON, MEETING, after).reason == "evening already started"
    day_before = at("2026-12-13T18:30:00+00:00")  # 19:30 in Amsterdam, the evening before
    assert model.plan(delivery("reminder"), PERSON, MEETING, day_before,
                      registration={"status": "cancelled"}).action == "suppress"
    assert model.plan(delivery("reminder"), PERSON, MEETING, day_before) == model.Plan("send", channel="sms")


def test_a_reminder_follows_its_evening_when_it_moved_later():
    moved = {**MEETING, "starts_at": at("2026-12-20T18:00:00+00:00")}
    early = at("2026-12-13T18:00:00+00:00")  # the old reminder time
    assert model.plan(delivery("reminder"), PERSON, moved, early) == model.Plan(
        "defer", until=at("2026-12-19T18:00:00+00:00"), reason="the evening moved")


def test_no_reminder_for_who_signed_up_after_the_reminder_time():
    now = at("2026-12-14T12:00:00+00:00")
    late = {"status": "confirmed", "created_at": at("2026-12-14T10:00:00+00:00")}
    assert model.plan(delivery("reminder"), PERSON, MEETING, now, registration=late).action == "suppress"


def test_stop_replies_are_recognised():
    assert model.is_stop_request("STOP")
    assert model.is_stop_request(" stop. ")
    assert model.is_stop_request("Afmelden")
    assert not model.is_stop_request("stop met roken is lastig")
