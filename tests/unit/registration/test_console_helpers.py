"""The console's own wording and order, without a server: refusals in the console's language, every field
error naming its reason, upcoming evenings first."""
import datetime as dt

from registration.domain import model
from registration.domain.errors import InvalidTransition
from registration.web import console

UTC = dt.timezone.utc


def test_a_refused_step_reads_in_dutch_in_the_dutch_console_and_in_english_in_the_english_one():
    error = InvalidTransition("An evening that is started cannot start.")
    assert console.domain_message(error, "nl") == "'Avond starten' kan niet: deze avond is al begonnen."
    assert console.domain_message(error, "en") == "'Start the evening' is not possible: this evening is already started."
    assert console.domain_message(InvalidTransition("This evening is already closed."), "nl") == \
        "Deze avond is intussen al afgesloten."


def test_marshmallow_reasons_become_short_sentences_naming_the_field():
    reason = console.why("Must be greater than or equal to 2 and less than or equal to 30.", "nl")
    assert console.labelled("group_size", reason, "nl") == "Mensen per tafel: kies een getal van 2 tot en met 30."
    assert console.labelled("capacity", console.why("Not a valid integer.", "en"), "en") == \
        "Places: fill in a whole number, e.g. 40."
    assert console.labelled("title", console.why("Missing data for required field.", "nl"), "nl") == "Titel: vul dit in."


def test_dates_are_read_as_typed_or_as_the_date_field_sends_them_and_a_mistyped_year_is_no_date():
    assert console.parse_date("2027-01-14") == dt.date(2027, 1, 14)
    assert console.parse_date("14-01-2027") == dt.date(2027, 1, 14)
    assert console.parse_date("0001-01-01") is None and console.parse_date("14 januari") is None


def test_upcoming_evenings_come_soonest_first_and_past_ones_latest_first():
    at = dt.datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    def evening(day, status=model.SCHEDULED):
        return {"_id": f"{day}-{status}", "starts_at": dt.datetime(2026, 12, day, 18, 0, tzinfo=UTC), "status": status}
    tonight, next_week, last_week = evening(2), evening(9), evening(1, model.CLOSED)
    running_since_yesterday = evening(1, model.STARTED)
    long_ago = {**evening(1, model.CLOSED), "_id": "old", "starts_at": dt.datetime(2025, 1, 1, tzinfo=UTC)}
    upcoming, past = console.split_evenings([next_week, long_ago, tonight, last_week, running_since_yesterday], at)
    assert [m["_id"] for m in upcoming] == [running_since_yesterday["_id"], tonight["_id"], next_week["_id"]]
    assert [m["_id"] for m in past] == [last_week["_id"], "old"]
    assert console.NEXT_STEP.get(model.CLOSED) is None


def test_the_evening_form_lists_the_chosen_initiatives_then_those_of_the_evenings_area_then_the_rest():
    docs = [{"_id": "a", "name": "Young Kitchen", "area": "Noord"}, {"_id": "b", "name": "Brug", "area": "Delfshaven"},
            {"_id": "c", "name": "Atelier", "area": ""}, {"_id": "d", "name": "Tori Oso", "area": "delfshaven "}]
    assert [d["name"] for d in console.presenters_first(docs, {"a"}, "Delfshaven")] == \
        ["Young Kitchen", "Brug", "Tori Oso", "Atelier"]
    assert [d["name"] for d in console.presenters_first(docs, set(), "")] == ["Atelier", "Brug", "Tori Oso", "Young Kitchen"]
