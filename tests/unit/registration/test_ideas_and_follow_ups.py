"""The idea form's checks and the report's figures of issue 12 (ideas per theme, pairs accepted, what became of
volunteers), as pure functions."""
import csv
import io

from registration import ideas
from registration.domain import report as r


def test_an_idea_needs_its_text_and_contact_details_only_when_the_resident_wants_to_be_contacted():
    clean, errors = ideas.check({"text": "  Een buurtmoestuin  ", "themes": ["tuinieren"], "may_contact": False})
    assert errors == {} and clean["text"] == "Een buurtmoestuin" and clean["themes"] == ["tuinieren"]
    assert ideas.check({"text": " "})[1] == {"text": ideas.MISSING}
    assert ideas.check({"text": "x" * 1001})[1] == {"text": ideas.TOO_LONG}
    assert ideas.check({"text": "a\x00b"})[1] == {"text": ideas.BAD_CHARACTERS}
    assert ideas.check({"text": "Idee", "themes": ["koken", "vliegen"]})[1] == {"themes": ideas.UNKNOWN_THEME}
    assert ideas.check({"text": "Idee", "may_contact": True})[1] == {"email": ideas.NEEDS_CONTACT}
    assert ideas.check({"text": "Idee", "email": "geen adres"})[1] == {"email": ideas.BAD_EMAIL}
    assert ideas.check({"text": "Idee", "phone": "12"})[1] == {"phone": ideas.BAD_PHONE}
    clean, errors = ideas.check({"text": "Idee", "phone": "06 12345678", "may_contact": True})
    assert errors == {} and clean["phone"] == "+31612345678"


def test_an_initiative_is_about_its_own_themes_and_its_roles():
    assert ideas.themes_of({"themes": ["kunst-cultuur"], "roles": [{"themes": ["koken"]}, {}]}) == {
        "kunst-cultuur", "koken"}


EVENING = {"attended": {"p1": {"area": "Noord"}}, "initiative_ids": ["a", "b"],
           "answers": {"p1:a:r1": r.ACCEPTED, "p2:a:r1": r.ACCEPTED, "p3:b:r2": r.ACCEPTED},
           "followups": {"p1:a:r1": "started", "p2:a:r1": "not_a_fit", "p3:b:r2": "contacted", "bad": "started"},
           "ideas": {"i1": ["kunst-cultuur", "koken"], "i2": ["kunst-cultuur"], "i3": []},
           "pairs_accepted": {"a:b": True}}


def test_an_evening_counts_ideas_per_theme_pairs_accepted_and_each_initiatives_follow_ups():
    report = r.meeting_figures({"meeting_id": "m1"}, EVENING, {}, [], [], 1, [], {"a": "Tori Oso", "b": "Brug"})
    assert report["ideas"] == 3 and report["ideas_by_theme"] == {"koken": 1, "kunst-cultuur": 2}
    assert report["initiative_pairs"] == {"proposed": 1, "accepted": 1}
    rows = {row["initiative_id"]: row for row in report["initiatives"]}
    assert rows["a"]["followed_up"] == {"contacted": 0, "started": 1, "not_a_fit": 1}
    assert rows["b"]["followed_up"] == {"contacted": 1, "started": 0, "not_a_fit": 0}
    rows_csv = {(f, d): v for f, d, v in list(csv.reader(io.StringIO(r.meeting_csv(
        {**report, "title": "Avond", "starts_at": None, "area": "Noord", "messages": r.message_counts([])}))))[1:]}
    assert rows_csv[("ideas", "")] == "3" and rows_csv[("ideas_by_theme", "kunst-cultuur")] == "2"
    assert rows_csv[("initiative_followed_up_started", "Tori Oso")] == "1"


def test_a_series_adds_up_ideas_pairs_and_volunteers_who_started():
    one = {**r.digest(EVENING, {}, set()), "meeting_id": "m1", "starts_at": "2027-03-04T18:00:00+00:00"}
    two = {**r.digest({"followups": {"p9:a:r1": "started"}, "ideas": {"i9": []}}, {}, set()), "meeting_id": "m2",
           "starts_at": "2027-03-11T18:00:00+00:00"}
    series = r.series_figures([one, two], [])
    assert (series["ideas"], series["initiative_pairs_accepted"], series["volunteers_started"]) == (4, 1, 2)
    rows = {f: v for f, _d, v in list(csv.reader(io.StringIO(r.series_csv(series))))[1:] if _d == ""}
    assert (rows["ideas"], rows["volunteers_started"]) == ("4", "2")
