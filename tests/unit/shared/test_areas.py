"""A resident's district from their postcode, as the report counts it and as matching weighs it."""
from wijkkracht.areas import ELSEWHERE, UNKNOWN, area_of


def test_a_rotterdam_postcode_gives_its_district_however_typed():
    assert area_of("3021 AB") == area_of("3021ab") == "Delfshaven"
    assert area_of("3035 CD") == "Noord"


def test_without_a_rotterdam_postcode_the_report_says_so_and_matching_takes_the_evenings_area():
    assert (area_of(None), area_of(""), area_of("1012 AB")) == (UNKNOWN, UNKNOWN, ELSEWHERE)
    assert (area_of(None, "Noord"), area_of("1012 AB", "Noord"), area_of("3021 AB", "Noord")) == \
        ("Noord", "Noord", "Delfshaven")
