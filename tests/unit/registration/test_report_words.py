"""The report page's words and sums, without a server: the seed's headline in Dutch and English, the funnel
per initiative over a series, and the page's own check of the chosen evenings."""
import datetime as dt

from werkzeug.datastructures import MultiDict

from registration.web.report_page import funnel, headline, parse_selection


def test_the_headline_says_it_as_the_seed_report_does():
    series = {"unique_residents": 62, "evenings": 3}
    assert headline(series, "nl") == "62 buurtbewoners namen deel aan 3 avonden"
    assert headline(series, "en") == "62 residents took part in 3 evenings"


def test_one_resident_and_one_evening_are_singular():
    series = {"unique_residents": 1, "evenings": 1}
    assert headline(series, "nl") == "1 buurtbewoner nam deel aan 1 avond"
    assert headline(series, "en") == "1 resident took part in 1 evening"


def test_the_funnel_adds_up_each_initiative_over_the_evenings_most_groups_first():
    row = lambda i, name, g, n, s, a: {"initiative_id": i, "name": name, "groups_met": g, "interested": n,  # noqa: E731
                                       "suggested": s, "accepted": a, "declined": 0}
    evenings = [{"initiatives": [row("t", "Tori Oso", 3, 5, 4, 1), row("b", "Brug tussen jong en oud", 4, 2, 2, 0)]},
                {"initiatives": [row("t", "Tori Oso", 3, 1, 1, 1)]}]
    assert funnel(evenings) == [
        {"name": "Tori Oso", "met": 6, "interested": 6, "suggested": 5, "accepted": 2},
        {"name": "Brug tussen jong en oud", "met": 4, "interested": 2, "suggested": 2, "accepted": 0}]


def test_evenings_by_checkbox_or_as_one_list_and_a_period_are_checked_in_the_pages_language():
    chosen = parse_selection(MultiDict([("meeting_ids", "a1"), ("meeting_ids", "b2,c3"), ("meeting_ids", "a1")]), "nl")
    assert chosen.meeting_ids == ["a1", "b2", "c3"] and chosen.chosen
    assert chosen.query() == {"meeting_ids": "a1,b2,c3"}
    period = parse_selection(MultiDict({"from": "2026-12-01", "to": "2026-12-31", "area": "Delfshaven"}), "nl")
    assert (period.date_from, period.date_to, period.area) == (dt.date(2026, 12, 1), dt.date(2026, 12, 31), "Delfshaven")
    wrong = parse_selection(MultiDict({"from": "12-12-2026", "to": "2026-02-30"}), "en")
    assert wrong.errors == {"from": ["This is not a date, for example 2026-12-12."],
                            "to": ["This is not a date, for example 2026-12-12."]}
    assert not wrong.chosen
    backwards = parse_selection(MultiDict({"from": "2026-12-31", "to": "2026-12-01"}), "nl")
    assert backwards.errors == {"to": ["Deze datum ligt voor de begindatum."]}


def test_nothing_chosen_is_no_report_and_odd_ids_are_dropped():
    assert not parse_selection(MultiDict(), "nl").chosen
    assert parse_selection(MultiDict({"meeting_ids": "../x,<b>,ok-1"}), "nl").meeting_ids == ["ok-1"]
