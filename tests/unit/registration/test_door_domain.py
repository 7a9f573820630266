"""The door's search, pure (domain/door.py): folding, matching, and the keys a registration is found by."""
from hypothesis import given
from hypothesis import strategies as st

from registration.domain import door

M = "meeting-1"


def found(query: str, name: str, phone: str | None = None, secret: str = "s") -> bool:
    """As the store finds it: the query's lookup key is among the registration's keys, then the full check."""
    keys = set(door.door_keys(M, name, phone, secret))
    if door.phone_digits(query):
        return door.phone_key(M, door.phone_digits(query), secret) in keys
    return door.name_key(M, door.lookup_word(query)) in keys and door.name_matches(query, name)


def test_case_and_accents_do_not_matter():
    for typed in ("Ayse", "ayse yilmaz", "Yilmaz", "AYŞE YILMAZ", "yilmaz ayse"):
        assert found(typed, "Ayşe Yılmaz"), typed
    assert found("Lucia", "Lucía")
    assert found("ipek celik", "İpek Çelik")
    assert found("francois", "François")
    assert found("muller", "Müller") and found("soren", "Søren") and found("strasse", "Straße")
    assert found("elamrani", "El-Amrani") and found("amrani", "El-Amrani") and found("obrien", "O'Brien")


def test_words_must_begin_words_of_the_name():
    assert not found("ilmaz", "Ayşe Yılmaz")
    assert not found("ayse bakker", "Ayşe Yılmaz")
    assert found("fat el", "Fatima El Amrani")


def test_the_last_digits_of_a_phone_are_found_and_others_are_not():
    phone = "+31612345678"
    for typed in ("5678", "45678", "612345678", "06-12345678", "06 1234 5678", "+31 6 12345678"):
        assert found(typed, "Kees", phone), typed
    assert not found("5679", "Kees", phone)
    assert not found("5678", "Kees", None)
    assert door.phone_digits("123") is None and door.phone_digits("12a4") is None


def test_phone_keys_are_keyed_and_name_the_evening():
    keys = door.door_keys(M, "Kees", "+31612345678", "secret")
    assert not any("5678" in k for k in keys)  # no digits in the store
    assert set(keys).isdisjoint(door.door_keys("meeting-2", "Kees", "+31612345678", "secret"))
    assert set(keys) != set(door.door_keys(M, "Kees", "+31612345678", "other secret"))


def test_what_a_query_is_taken_for():
    assert door.query_kinds("K7QH2M", True) == [door.CODE, door.NAME]
    assert door.query_kinds("234567", True) == [door.CODE, door.PHONE]
    assert door.query_kinds("5678", False) == [door.PHONE]
    assert door.query_kinds("ayse", False) == [door.NAME]
    assert door.query_kinds("   ", False) == []


names = st.lists(st.text(st.characters(categories=["L"]), min_size=1, max_size=15), min_size=1, max_size=4).map(" ".join)


@given(names)
def test_any_name_is_found_by_itself_folded_and_by_the_start_of_any_of_its_words(name):
    assert found(name, name)
    assert found(door.fold(name), name)
    for word in door.words(name):
        assert found(word[:3], name)
