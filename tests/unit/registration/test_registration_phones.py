"""Dutch phone numbers in every notation residents type become one E.164 number."""
import pytest

from registration.phones import InvalidPhone, to_e164


@pytest.mark.parametrize("typed", ["06-12345678", "06 1234 5678", "0612345678", "+31 6 12345678",
                                   "+31612345678", "0031612345678", "0031 6 1234 5678", "+31(0)6-12345678",
                                   "(06) 12 34 56 78", "06.12.34.56.78"])
def test_every_common_notation_of_a_dutch_mobile_is_the_same_number(typed):
    assert to_e164(typed) == "+31612345678"


def test_a_landline_and_a_foreign_number_are_accepted_in_e164():
    assert to_e164("010-1234567") == "+31101234567"
    assert to_e164("+32 470 12 34 56") == "+32470123456"


@pytest.mark.parametrize("typed", ["", "12", "06-1234", "hallo", "+31 6 1234567890123"])
def test_nonsense_is_refused(typed):
    with pytest.raises(InvalidPhone):
        to_e164(typed)
