"""What the API accepts from a resident, and how it says what is wrong: each bad field named."""
import pytest
from marshmallow import ValidationError

from registration.web.schemas import InitiativeIn, RegistrationIn

BASE = {"name": "Fatima El Amrani", "email": "fatima@example.org", "preferred_channel": "email",
        "consent": {"contact": True}}


def errors_of(schema, body) -> dict:
    with pytest.raises(ValidationError) as caught:
        schema().load(body)
    return caught.value.messages


def test_a_phone_typed_the_dutch_way_is_stored_in_e164_and_a_postcode_normalised():
    loaded = RegistrationIn().load({**BASE, "phone": "06-12 34 56 78", "postcode": "3024ab"})
    assert loaded["phone"] == "+31612345678"
    assert loaded["postcode"] == "3024 AB"


def test_every_bad_field_is_named_at_once():
    messages = errors_of(RegistrationIn, {"name": "", "email": "nope", "phone": "12", "preferred_channel": "fax",
                                          "consent": {"contact": False}, "interests": ["skydiving"]})
    assert {"name", "email", "phone", "preferred_channel", "consent", "interests"} <= set(messages)


def test_sms_without_a_phone_is_refused_on_the_phone_field():
    messages = errors_of(RegistrationIn, {**BASE, "preferred_channel": "sms"})
    assert messages == {"phone": ["Needed for the channel you chose."]}


def test_a_name_with_a_line_break_cannot_reach_an_email_header():
    assert "name" in errors_of(RegistrationIn, {**BASE, "name": "Eve\r\nBcc: everyone@example.org"})
    assert "name" in errors_of(RegistrationIn, {**BASE, "companions": [{"name": "a\nb"}]})["companions"][0]


def test_unknown_fields_are_refused_not_silently_dropped():
    assert "favourite_colour" in errors_of(RegistrationIn, {**BASE, "favourite_colour": "rood"})


def test_an_initiative_names_themes_and_groups_from_the_shared_vocabulary():
    body = {"name": "Tori Oso", "contact": {"name": "Ilse", "email": "ilse@example.org"},
            "themes": ["koken", "taal"], "target_groups": ["ouderen"], "looking_for": ["jongeren", "koken"],
            "roles": [{"title": "Verteller", "capacity": 3}]}
    assert InitiativeIn().load(body)["roles"][0]["capacity"] == 3
    assert "target_groups" in errors_of(InitiativeIn, {**body, "target_groups": ["iedereen", "aliens"]})
