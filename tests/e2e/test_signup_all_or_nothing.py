"""A sign-up with companions is all or nothing: one invalid field, the resident's or a companion's, and
nobody is registered or written to."""
import pytest

from tests.support import unique_email, wait_until


def registered(stack, meeting_id) -> list[str]:
    r = stack.get("registration", f"/api/v1/meetings/{meeting_id}/registrations", headers=stack.organiser)
    return sorted(reg["name"] for reg in r.json()["registrations"])


@pytest.mark.parametrize("resident, companions, field", [
    ("Ana\u202ePereira", [{"name": "Bob Visser"}], "name"),                            # bidi override
    ("\ud800", [{"name": "Bob Visser"}], "name"),                                     # lone surrogate
    ("Ana Pereira", [{"name": "Bob Visser"}, {"name": "Cas\u200b"}], "companions"),   # zero-width
    ("Ana Pereira", [{"name": "Bob Visser", "email": "not an address"}], "companions"),
])
def test_one_invalid_field_and_no_one_of_the_party_is_signed_up_or_written_to(stack, resident, companions,
                                                                             field):
    meeting = stack.create_meeting()
    companions = [{"email": unique_email("metgezel"), **c} for c in companions]
    body = {"name": resident, "email": unique_email(), "preferred_channel": "email",
            "consent": {"contact": True}, "companions": companions}
    r = stack.post("registration", f"/api/v1/meetings/{meeting['id']}/registrations", body)
    assert r.status_code == 422, r.text
    assert field in r.json()["error"]["fields"]
    assert registered(stack, meeting["id"]) == []

    # A valid sign-up after it, for the same evening (the same partition): once its confirmation is out,
    # anything the refused one had written would have been sent before it.
    marker = stack.sign_up(meeting["id"])
    wait_until(lambda: stack.mail(to=marker["request"]["email"]), 60, message="the later sign-up's confirmation")
    for c in companions:
        if "@" in c["email"] and " " not in c["email"]:
            assert stack.mail(to=c["email"]) == [], "a companion of a refused sign-up was written to"
    assert stack.mail(to=body["email"]) == []
    assert registered(stack, meeting["id"]) == [marker["request"]["name"]]
