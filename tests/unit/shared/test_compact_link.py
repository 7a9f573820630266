"""The compact links of SMS texts: short, unforgeable, one purpose each, expiring when made with a time."""
import datetime as dt
import uuid

from wijkkracht import compact_link

SECRET = "a-link-secret"


def test_a_token_names_its_ids_and_stays_short():
    meeting, person = uuid.uuid4().hex, uuid.uuid4().hex
    one = compact_link.make(SECRET, "cancel", [meeting])
    two = compact_link.make(SECRET, "answers", [meeting, person], issued_at=dt.datetime.now(dt.timezone.utc))
    assert len(one) == 34 and len(two) == 60
    assert compact_link.read(SECRET, "cancel", one, 1) == [meeting]
    assert compact_link.read(SECRET, "answers", two, 2, max_age_s=3600) == [meeting, person]


def test_a_forged_altered_cut_or_other_purposes_token_opens_nothing():
    token = compact_link.make(SECRET, "cancel", [uuid.uuid4().hex])
    assert compact_link.read("another-secret", "cancel", token, 1) is None
    assert compact_link.read(SECRET, "answers", token, 1) is None
    flipped = ("B" if token[0] == "A" else "A") + token[1:]
    assert compact_link.read(SECRET, "cancel", flipped, 1) is None
    assert compact_link.read(SECRET, "cancel", token[:-1], 1) is None
    assert compact_link.read(SECRET, "cancel", token + "A", 1) is None
    assert compact_link.read(SECRET, "cancel", "!" * 34, 1) is None


def test_a_timed_token_expires():
    made = dt.datetime(2027, 1, 14, 21, 0, tzinfo=dt.timezone.utc)
    token = compact_link.make(SECRET, "answers", [uuid.uuid4().hex], issued_at=made)
    assert compact_link.read(SECRET, "answers", token, 1, max_age_s=60 * 86400, now=made + dt.timedelta(days=59))
    assert compact_link.read(SECRET, "answers", token, 1, max_age_s=60 * 86400,
                             now=made + dt.timedelta(days=61)) is None


def test_ids_that_are_not_ours_get_no_compact_token():
    assert compact_link.make(SECRET, "cancel", ["not-hex"]) is None
    assert compact_link.make(SECRET, "cancel", ["abcd"]) is None
