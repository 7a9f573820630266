"""marshmallow schemas of the JSON API; /openapi.json is generated from these."""
import re

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate, validates_schema
from wijkkracht.validation import Email, Line, Moment, Name, Text

from ..domain import model
from ..domain.vocabulary import TARGET_GROUPS, THEMES
from ..phones import InvalidPhone, to_e164

POSTCODE = re.compile(r"^\s*([1-9][0-9]{3})\s?([A-Za-z]{2})\s*$")
CONTACT_MESSAGES = {
    "email_or_phone": "Give an email address or a phone number.",
    "needed_for_channel": "Needed for the channel you chose.",
}


class Strict(Schema):
    class Meta:
        unknown = RAISE


class PhoneField(Line):
    """A phone number in any common notation, loaded as E.164 (+31612345678)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not text.strip():
            return None
        try:
            return to_e164(text)
        except InvalidPhone as exc:
            raise ValidationError("Not a valid phone number.") from exc


class PostcodeField(Line):
    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not text.strip():
            return None
        match = POSTCODE.match(text)
        if not match:
            raise ValidationError("Not a Dutch postcode (1234 AB).")
        return f"{match.group(1)} {match.group(2).upper()}"


# Every string goes through wijkkracht.validation's fields: no lone surrogate, no control character (a
# newline in a name would end up in an email header), names without invisible or direction-changing ones.
def _name(**kw):
    return Name(validate=validate.Length(min=1, max=120), **kw)


def _line(min_length=0, max_length=200, **kw):
    return Line(validate=validate.Length(min=min_length, max=max_length), **kw)


def _text(max_length, **kw):
    return Text(validate=validate.Length(max=max_length), **kw)


def _email(**kw):
    return Email(validate=validate.Length(max=254), **kw)


def _codes(table, **kw):
    return fields.List(Line(validate=validate.OneOf(list(table))), validate=validate.Length(max=20), **kw)


class MeetingIn(Strict):
    title = _line(1, 200, required=True)
    starts_at = Moment(required=True)
    venue = _line(1, 200, required=True)
    address = _line(0, 200, allow_none=True, load_default=None,
                    metadata={"description": "street address of the venue, e.g. Grote Visserijstraat 2"})
    area = _line(1, 100, required=True)
    partners = fields.List(_line(1, 200), load_default=list,
                           validate=validate.Length(max=50))
    initiative_ids = fields.List(_line(1, 64), load_default=list,
                                 validate=validate.Length(max=100))
    capacity = fields.Int(allow_none=True, load_default=None, validate=validate.Range(min=1, max=100000))
    group_size = fields.Int(load_default=6, validate=validate.Range(min=2, max=30))
    slot_minutes = fields.Int(load_default=20, validate=validate.Range(min=5, max=240))
    max_minutes = fields.Int(allow_none=True, load_default=None, validate=validate.Range(min=10, max=720),
                             metadata={"description": "the longest programme in minutes (matching's default if none)"})


class MeetingPatch(Strict):
    title = _line(1, 200)
    starts_at = Moment()
    venue = _line(1, 200)
    address = _line(0, 200, allow_none=True)
    area = _line(1, 100)
    partners = fields.List(_line(1, 200), validate=validate.Length(max=50))
    initiative_ids = fields.List(_line(1, 64),
                                 validate=validate.Length(max=100))
    capacity = fields.Int(allow_none=True, validate=validate.Range(min=1, max=100000))
    group_size = fields.Int(validate=validate.Range(min=2, max=30))
    slot_minutes = fields.Int(validate=validate.Range(min=5, max=240))
    max_minutes = fields.Int(allow_none=True, validate=validate.Range(min=10, max=720))


class MeetingOut(Schema):
    id = fields.Str(attribute="_id")
    title = fields.Str()
    starts_at = fields.AwareDateTime()
    venue = fields.Str()
    address = fields.Str(allow_none=True)
    area = fields.Str()
    partners = fields.List(fields.Str())
    initiative_ids = fields.List(fields.Str())
    capacity = fields.Int(allow_none=True)
    group_size = fields.Int()
    slot_minutes = fields.Int()
    max_minutes = fields.Int(allow_none=True)
    status = fields.Str()
    confirmed = fields.Int()
    waitlisted = fields.Int()
    checked_in = fields.Int()


class MeetingList(Schema):
    meetings = fields.List(fields.Nested(MeetingOut))


class ConsentIn(Strict):
    contact = fields.Bool(required=True, validate=validate.Equal(True, error="Consent to be contacted is needed."))
    share_with_initiatives = fields.Bool(load_default=False)


class CompanionIn(Strict):
    name = _name(required=True)
    email = _email(allow_none=True, load_default=None)
    phone = PhoneField(allow_none=True, load_default=None)


class RegistrationIn(Strict):
    name = _name(required=True)
    email = _email(allow_none=True, load_default=None)
    phone = PhoneField(allow_none=True, load_default=None)
    postcode = PostcodeField(allow_none=True, load_default=None)
    languages = fields.List(_line(2, 12), load_default=list,
                            validate=validate.Length(max=20))
    interests = _codes(THEMES, load_default=list)
    preferred_channel = Line(required=True, validate=validate.OneOf(["email", "sms"]))
    consent = fields.Nested(ConsentIn, required=True)
    companions = fields.List(fields.Nested(CompanionIn), load_default=list, validate=validate.Length(max=5))
    language = Line(load_default="nl", validate=validate.OneOf(["nl", "en"]))

    @validates_schema
    def contact_rules(self, data, **_kw):
        errors = model.contact_errors(data.get("preferred_channel", "email"), data.get("email"), data.get("phone"))
        if errors:
            raise ValidationError({f: [CONTACT_MESSAGES[c] for c in codes] for f, codes in errors.items()})


class CompanionOut(Schema):
    registration_id = fields.Str()
    person_id = fields.Str()


class RegistrationOut(Schema):
    registration_id = fields.Str()
    person_id = fields.Str()
    meeting_id = fields.Str()
    status = fields.Str()
    code = fields.Str()
    companions = fields.List(fields.Nested(CompanionOut))


class RegistrationList(Schema):
    class Item(Schema):
        registration_id = fields.Str(attribute="_id")
        person_id = fields.Str()
        name = fields.Str()
        status = fields.Str()
        code = fields.Str()
        walk_in = fields.Bool()
        companion_of = fields.Str(allow_none=True)
        checked_in = fields.Bool()  # with ?q= (the door's search): already checked in this evening

    registrations = fields.List(fields.Nested(Item))
    searched_by = fields.List(fields.Str())  # with ?q=: what the query was taken for (code, phone, name)


class CheckinIn(Strict):
    """Either a registered resident's ``registration_id``, or a walk-in's own fields."""
    registration_id = _line(1, 64)
    name = _name()
    email = _email(allow_none=True, load_default=None)
    phone = PhoneField(allow_none=True, load_default=None)
    postcode = PostcodeField(allow_none=True, load_default=None)
    languages = fields.List(_line(2, 12), load_default=list,
                            validate=validate.Length(max=20))
    interests = _codes(THEMES, load_default=list)
    preferred_channel = Line(load_default="email", validate=validate.OneOf(["email", "sms"]))
    consent = fields.Nested(ConsentIn, load_default=lambda: {"contact": True, "share_with_initiatives": False})

    @validates_schema
    def one_of(self, data, **_kw):
        if not data.get("registration_id") and not data.get("name"):
            raise ValidationError({"registration_id": ["Give a registration_id, or a walk-in's name."],
                                   "name": ["Give a registration_id, or a walk-in's name."]})


class CheckinOut(Schema):
    person_id = fields.Str()
    registration_id = fields.Str()
    meeting_id = fields.Str()
    checked_in_at = fields.AwareDateTime()
    walk_in = fields.Bool()
    colour = fields.Str(allow_none=True)
    table = fields.Int(allow_none=True)


class ColourOut(Schema):
    person_id = fields.Str()
    colour = fields.Str(allow_none=True)
    table = fields.Int(allow_none=True)


class CheckinUndoneOut(Schema):
    person_id = fields.Str()
    checked_in = fields.Bool()


class CheckinList(Schema):
    checkins = fields.List(fields.Nested(CheckinOut))


class InterestsIn(Strict):
    person_id = _line(1, 64, required=True)
    initiative_ids = fields.List(_line(1, 64), required=True,
                                 validate=validate.Length(max=50))


class InterestsOut(Schema):
    meeting_id = fields.Str()
    person_id = fields.Str()
    initiative_ids = fields.List(fields.Str())


INITIATIVE_CONTACT_MESSAGE = "Give an email address, or a phone number if you have no email."


class ContactIn(Strict):
    """An initiative's contact: an email address, or a phone if they have none (the link then goes by SMS)."""
    name = _name(required=True)
    email = _email(allow_none=True, load_default=None)
    phone = PhoneField(allow_none=True, load_default=None)

    # Checked with the other fields' errors too, so an empty form says everything at once; an address given
    # but not valid is that field's own error, not "give one".
    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def email_or_phone(self, _data, original, **_kw):
        if not isinstance(original, dict):
            return  # not an object at all: that is the error
        if not any(isinstance(original.get(f), str) and original[f].strip() for f in ("email", "phone")):
            raise ValidationError({"email": [INITIATIVE_CONTACT_MESSAGE], "phone": [INITIATIVE_CONTACT_MESSAGE]})


class RoleIn(Strict):
    title = _line(1, 200, required=True)
    description = _text(2000, load_default="")
    themes = _codes(THEMES, load_default=list)
    capacity = fields.Int(load_default=1, validate=validate.Range(min=1, max=1000))


class InitiativeIn(Strict):
    name = Name(required=True, validate=validate.Length(min=1, max=200))
    description = _text(5000, load_default="")
    area = _line(0, 100, load_default="")
    contact = fields.Nested(ContactIn, required=True)
    themes = _codes(THEMES, load_default=list)
    target_groups = _codes(TARGET_GROUPS, load_default=list)
    looking_for = fields.List(Line(validate=validate.OneOf(list(THEMES) + list(TARGET_GROUPS))),
                              load_default=list, validate=validate.Length(max=20))
    roles = fields.List(fields.Nested(RoleIn), load_default=list, validate=validate.Length(max=50))
    pitch = fields.Bool(load_default=False, metadata={"description": "they come to collect residents' ideas"})
    language = Line(load_default="nl", validate=validate.OneOf(["nl", "en"]),
                    metadata={"description": "the contact's language for messages (nl or en)"})


class RoleOut(Schema):
    id = fields.Str()
    title = fields.Str()
    description = fields.Str()
    themes = fields.List(fields.Str())
    capacity = fields.Int()


class InitiativeOut(Schema):
    id = fields.Str(attribute="_id")
    status = fields.Str(metadata={"description": "pending until an organiser approves it, then approved"})
    name = fields.Str()
    description = fields.Str()
    area = fields.Str()
    themes = fields.List(fields.Str())
    target_groups = fields.List(fields.Str())
    looking_for = fields.List(fields.Str())
    roles = fields.List(fields.Nested(RoleOut))
    pitch = fields.Bool()
    language = fields.Str()


class InitiativeList(Schema):
    initiatives = fields.List(fields.Nested(InitiativeOut))


class SearchArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    status = Line(validate=validate.OneOf(["confirmed", "waitlisted", "cancelled"]))
    q = fields.Str(validate=validate.Length(max=100))  # the door's search: a name, a code or a phone's last digits


class ExportOut(Schema):
    person_id = fields.Str()
    erased = fields.Bool()
    registrations = fields.List(fields.Dict())
    checkins = fields.List(fields.Dict())
    colours = fields.List(fields.Dict())
    interests = fields.List(fields.Dict())
    ideas = fields.List(fields.Dict())  # the ideas they left, with the details they gave
    followups = fields.List(fields.Dict())  # what initiatives answered about them as a volunteer


class ErasedOut(Schema):
    person_id = fields.Str()
    erased = fields.Bool()
