"""The report's figures from plain read-model documents: encounters, counts, a series, small cells, CSV."""
import csv
import datetime as dt
import io

from wijkkracht import areas
from registration.domain import report as r

T = dt.datetime(2027, 3, 4, 18, tzinfo=dt.timezone.utc)


def test_a_pair_is_new_the_first_time_they_share_a_table_and_a_repeat_after():
    tables = {"a": 1, "b": 1, "c": 1, "d": 2, "e": 2}
    seats = {"a": {"m0": 3, "m1": 1}, "b": {"m0": 3, "m1": 1}, "c": {"m0": 4, "m1": 1}, "d": {"m1": 2}, "e": {"m1": 2}}
    # m0 was earlier: a and b sat together there. m1 is tonight, so it is not history.
    assert r.encounters(tables, seats, earlier={"m0"}) == (3, 1)
    assert r.encounters(tables, seats, earlier=set()) == (4, 0)
    assert r.encounters({"a": 1}, seats, earlier={"m0"}) == (0, 0)  # nobody alone makes a pair


def test_an_evenings_counts_walk_ins_no_shows_and_the_waitlist():
    registrations = [
        {"person_id": "a", "status": "confirmed"}, {"person_id": "b", "status": "confirmed"},
        {"person_id": "c", "status": "confirmed", "cancelled": True},
        {"person_id": "d", "status": "waitlisted"}, {"person_id": "e", "status": "waitlisted", "promoted": True},
        {"person_id": "w", "status": "confirmed", "walk_in": True}]
    attended = {"a": {}, "e": {}, "w": {"walk_in": True}}
    assert r.registration_counts(registrations, attended) == {"signed_up": 5, "waitlisted": 1, "cancelled": 1,
                                                              "no_shows": 1}


def test_initiatives_get_groups_met_interest_suggestions_and_answers():
    evening = {"initiative_ids": ["x", "y"], "groups_met": {"x": 3, "y": 2},
               "interests": {"a": ["x"], "b": ["x", "z"]},
               "answers": {"a:x:r1": "accepted", "b:x:r1": "declined", "b:z:r9": "accepted"}}
    suggestions = [{"person_id": "a", "suggestions": [{"initiative_id": "x"}, {"initiative_id": "x"}]},
                   {"person_id": "b", "suggestions": [{"initiative_id": "z"}]}]
    rows = r.initiative_rows(evening, suggestions, {"x": "Tori Oso", "y": "Brug", "z": "Young Kitchen"})
    assert [(row["name"], row["groups_met"], row["interested"], row["suggested"], row["accepted"], row["declined"])
            for row in rows] == [("Tori Oso", 3, 2, 1, 1, 1), ("Brug", 2, 0, 0, 0, 0), ("Young Kitchen", 0, 1, 1, 1, 0)]


def test_messages_by_what_became_of_them_and_channel():
    deliveries = [{"status": "sent", "channel": "email"}, {"status": "sent", "channel": "sms"},
                  {"status": "failed", "channel": "sms"}, {"status": "suppressed", "channel": None},
                  {"status": "pending", "channel": "email"}]
    counts = r.message_counts(deliveries)
    assert (counts["sent"], counts["failed"], counts["suppressed"]) == (2, 1, 1)
    assert counts["by_channel"] == {"email": {"sent": 1, "failed": 0, "suppressed": 0},
                                    "sms": {"sent": 1, "failed": 1, "suppressed": 0}}


def _digest(meeting_id, day, residents, **counts):
    return {"meeting_id": meeting_id, "starts_at": T + dt.timedelta(days=day), "residents": residents,
            "attended": sum(len(p) for p in residents.values()), **counts}


def test_a_series_counts_each_resident_once_in_the_area_they_gave_last():
    digests = [
        _digest("m2", 7, {"Noord": ["a", "b"], "unknown": ["w"]}, walk_ins=1, new_encounters=2, volunteers_matched=1),
        _digest("m1", 0, {"Delfshaven": ["a", "b", "c", "d", "e", "f"]}, walk_ins=0, new_encounters=9),
    ]
    series = r.series_figures(digests, collaborations=[{"id": "c1"}])
    assert series["meetings"] == ["m1", "m2"]
    assert (series["evenings"], series["attended"], series["unique_residents"], series["returning_residents"]) == \
        (2, 9, 7, 2)
    assert series["by_area"] == {"Delfshaven": "< 5", "Noord": "< 5", "unknown": "< 5"}
    assert (series["walk_ins"], series["new_encounters"], series["volunteers_matched"], series["collaborations"]) == \
        (1, 11, 1, 1)


def test_small_cells_hide_fewer_than_five_but_not_none():
    assert r.small_cells({"Noord": 4, "Centrum": 5, "Delfshaven": 1, "Charlois": 0}) == \
        {"Centrum": 5, "Charlois": 0, "Delfshaven": "< 5", "Noord": "< 5"}


def test_a_series_claims_collaborations_of_its_evenings_or_of_its_presenters_after_its_start():
    digests = [{"meeting_id": "m1", "starts_at": T, "initiative_ids": ["x", "y"]},
               {"meeting_id": "m2", "starts_at": T + dt.timedelta(days=7), "initiative_ids": ["z"]}]
    collaborations = [
        {"id": "1", "initiative_ids": ["x", "z"], "date": "2027-03-20"},           # both presented, afterwards
        {"id": "2", "initiative_ids": ["x", "q"], "date": "2027-03-20"},           # q presented at none
        {"id": "3", "initiative_ids": ["x", "q"], "date": "2027-03-20", "meeting_id": "m2"},  # recorded against m2
        {"id": "4", "initiative_ids": ["x", "y"], "date": "2027-01-01"},           # before the series began
    ]
    assert [c["id"] for c in r.collaborations_of(collaborations, digests)] == ["1", "3"]
    assert r.collaborations_of(collaborations, []) == []


def test_csv_rows_cannot_be_read_as_formulas_and_keep_small_cells():
    series = {"meetings": ["m1"], "evenings": 1, "attended": 3, "unique_residents": 3, "returning_residents": 0,
              "walk_ins": 0, "by_area": {"Noord": "< 5"}, "new_encounters": 3, "repeats": 0,
              "volunteers_matched": 0, "initiative_pairs_accepted": 0, "collaborations": 1,
              "collaboration_list": [{"date": "2027-03-20", "names": ["=HYPERLINK(1)", "Brug"],
                                      "initiative_ids": ["x", "y"], "description": "+kerststukjes"}]}
    rows = list(csv.reader(io.StringIO(r.series_csv(series))))
    assert rows[0] == ["figure", "detail", "value"]
    assert ["residents_by_area", "Noord", "< 5"] in rows
    collaboration = next(row for row in rows if row[0] == "collaboration")
    assert collaboration[2] == "'+kerststukjes" and "=HYPERLINK" in collaboration[1]
    assert all(not cell.startswith(("=", "+", "@")) for row in rows for cell in row)


def test_areas_of_residence_from_the_postcode():
    assert areas.area_of("3021 AB") == "Delfshaven"
    assert areas.area_of("3035ab") == "Noord"
    assert areas.area_of("1012 AB") == areas.ELSEWHERE
    assert areas.area_of(None) == areas.area_of("") == areas.UNKNOWN


def test_a_bucket_gives_back_each_evenings_digest_as_it_was_settled():
    """A series reads an area's year of evenings from one string: each digest comes back with its counts,
    start, initiatives and residents per area, so the series counts the same as from the digests one by one."""
    from registration.adapters import reports_store as store
    digest = {"_id": "m1", "meeting_id": "m1", "title": "Wijkkracht Noord", "starts_at": T, "area": "Noord",
              "attended": 3, "walk_ins": 1, "new_encounters": 3, "repeats": 0, "initiative_ids": ["i1", "i2"],
              "residents": {"Noord": "p1 p2", "unknown": "p3"}, "year": "2027", "bucket": "2027|Noord",
              "status": None, "version": "v", "settled_at": T}
    lines = store._lines("\n".join(f"{m}\t{store._encoded(d)}" for m, d in
                                   (("m1", digest), ("m2", {**digest, "_id": "m2", "meeting_id": "m2"}))))
    back = store._decoded("m1", lines["m1"])
    assert set(lines) == {"m1", "m2"}
    assert back["starts_at"] == T and back["initiative_ids"] == ["i1", "i2"] and back["attended"] == 3
    assert back["residents"] == {"Noord": ["p1", "p2"], "unknown": ["p3"]}
    series = r.series_figures([{**back, "meeting_id": "m1"}, {**store._decoded("m2", lines["m2"]), "meeting_id": "m2"}], [])
    assert (series["evenings"], series["unique_residents"], series["returning_residents"]) == (2, 3, 3)
    assert store.bucket_of("2027", "Noord") == "2027|Noord"
