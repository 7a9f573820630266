"""Payload schemas of the events the registration service produces (topic wijkkracht.registration)."""
from marshmallow import fields, validate

from .common import PayloadSchema, channel, ids, language, strings


class MeetingScheduledV1(PayloadSchema):
    meeting_id = fields.Str(required=True)
    title = fields.Str(required=True)
    starts_at = fields.AwareDateTime(required=True)
    venue = fields.Str(required=True)
    area = fields.Str(required=True)
    partners = strings(load_default=list)
    initiative_ids = ids(load_default=list)
    capacity = fields.Int(allow_none=True, load_default=None)
    group_size = fields.Int(load_default=6)
    slot_minutes = fields.Int(load_default=20)
    address = fields.Str(allow_none=True, load_default=None)  # the venue's street address
    max_minutes = fields.Int(allow_none=True, load_default=None)  # the longest programme; None: matching's default


class MeetingChangedV1(MeetingScheduledV1):
    changed = strings(load_default=list)  # names of the fields that changed, e.g. ["starts_at", "venue"]


class MeetingStatusV1(PayloadSchema):
    """meeting.checkin_opened, meeting.started, meeting.closed: a step in the evening's lifecycle."""
    meeting_id = fields.Str(required=True)
    at = fields.AwareDateTime(required=True)
    initiative_ids = ids(load_default=list)
    expected_attendance = fields.Int(allow_none=True, load_default=None)


class RoleV1(PayloadSchema):
    role_id = fields.Str(required=True)
    title = fields.Str(required=True)
    description = fields.Str(load_default="")
    themes = strings(load_default=list)
    capacity = fields.Int(load_default=1)


class ContactV1(PayloadSchema):
    name = fields.Str(required=True)
    email = fields.Email(allow_none=True, load_default=None)
    phone = fields.Str(allow_none=True, load_default=None)


class InitiativeRegisteredV1(PayloadSchema):
    initiative_id = fields.Str(required=True)
    name = fields.Str(required=True)
    description = fields.Str(load_default="")
    area = fields.Str(load_default="")
    themes = strings(load_default=list)
    target_groups = strings(load_default=list)
    looking_for = strings(load_default=list)
    roles = fields.List(fields.Nested(RoleV1), load_default=list)
    contact = fields.Nested(ContactV1, required=True)
    language = language()  # the contact's: every message to the initiative is in it
    page_url = fields.Str(allow_none=True, load_default=None)  # the signed link to the initiative's own page
    pitch = fields.Bool(load_default=False)  # presents to collect residents' ideas on its themes (no roles needed)


class InitiativeChangedV1(InitiativeRegisteredV1):
    """initiative.changed: an approved initiative edited its page (roles, themes, what it looks for...). The
    whole initiative as it now is; consumers replace what they hold."""


class InitiativeMessageV1(PayloadSchema):
    """initiative.submitted (an initiative registered: its confirmation, with what was registered and its
    status) and initiative.link_requested (its contact asked for the link to its page again, at most once
    every 5 minutes): one message to the initiative's contact, by email, or by SMS when they gave only a phone."""
    initiative_id = fields.Str(required=True)
    name = fields.Str(required=True)
    status = fields.Str(required=True)  # pending | approved
    contact = fields.Nested(ContactV1, required=True)
    language = language()
    page_url = fields.Str(required=True)
    roles = fields.List(fields.Nested(RoleV1), load_default=list)


class InitiativePairAnsweredV1(PayloadSchema):
    """initiative_pair.answered: one initiative of a pair that matching introduced answered (interested or
    not_now). ``initiative_ids`` is the pair, sorted; ``initiative_id`` is who answered."""
    meeting_id = fields.Str(required=True)
    initiative_ids = ids(required=True, validate=validate.Length(equal=2))
    initiative_id = fields.Str(required=True)
    answer = fields.Str(required=True, validate=validate.OneOf(["interested", "not_now"]))


class PairContactV1(PayloadSchema):
    initiative_id = fields.Str(required=True)
    name = fields.Str(required=True)
    contact = fields.Nested(ContactV1, required=True)
    language = language()


class InitiativePairAcceptedV1(PayloadSchema):
    """initiative_pair.accepted: both initiatives of a pair said interested; each is sent the other's contact
    details (in its own language) and the report counts the pair accepted. Once per pair and evening."""
    meeting_id = fields.Str(required=True)
    initiative_ids = ids(required=True, validate=validate.Length(equal=2))
    initiatives = fields.List(fields.Nested(PairContactV1), required=True, validate=validate.Length(equal=2))


class VolunteerFollowedUpV1(PayloadSchema):
    """volunteer.followed_up: an initiative says what became of a resident who accepted one of its roles.
    The latest answer per resident, initiative and role counts."""
    meeting_id = fields.Str(required=True)
    initiative_id = fields.Str(required=True)
    person_id = fields.Str(required=True)
    role_id = fields.Str(required=True)
    outcome = fields.Str(required=True, validate=validate.OneOf(["contacted", "started", "not_a_fit"]))


class IdeaSharedV1(PayloadSchema):
    """idea.shared: a resident left an idea (its text stays in registration; the report counts ideas per
    evening and theme)."""
    idea_id = fields.Str(required=True)
    meeting_id = fields.Str(allow_none=True, load_default=None)
    themes = strings(load_default=list)


class ConsentV1(PayloadSchema):
    contact = fields.Bool(required=True)
    share_with_initiatives = fields.Bool(load_default=False)


class RegistrationCreatedV1(PayloadSchema):
    """A resident signed up for an evening. Carries the contact details notifications needs."""
    registration_id = fields.Str(required=True)
    person_id = fields.Str(required=True)
    meeting_id = fields.Str(required=True)
    status = fields.Str(required=True)  # confirmed | waitlisted
    code = fields.Str(load_default=None, allow_none=True)  # the personal registration code
    name = fields.Str(required=True)
    email = fields.Email(allow_none=True, load_default=None)
    phone = fields.Str(allow_none=True, load_default=None)  # E.164
    postcode = fields.Str(allow_none=True, load_default=None)
    language = language()
    languages = strings(load_default=list)
    interests = strings(load_default=list)
    preferred_channel = channel(required=True)
    consent = fields.Nested(ConsentV1, required=True)
    companion_of = fields.Str(allow_none=True, load_default=None)  # person_id of who signed them up
    signed_up_by = fields.Str(allow_none=True, load_default=None)  # their name, for the companion's own message
    companion_ids = ids(load_default=list)  # person_ids who came together with this person
    cancel_url = fields.Str(allow_none=True, load_default=None)
    walk_in = fields.Bool(load_default=False)  # signed up at the door
    # The evening as the resident will be told about it, so a confirmation needs no other event.
    meeting_title = fields.Str(allow_none=True, load_default=None)
    meeting_starts_at = fields.AwareDateTime(allow_none=True, load_default=None)
    meeting_venue = fields.Str(allow_none=True, load_default=None)


class RegistrationChangedV1(PayloadSchema):
    """registration.cancelled and registration.promoted (from the waitlist)."""
    registration_id = fields.Str(required=True)
    person_id = fields.Str(required=True)
    meeting_id = fields.Str(required=True)
    status = fields.Str(required=True)
    # Why, when it was not the resident's choice: "erased" (nobody is to be told).
    reason = fields.Str(allow_none=True, load_default=None)


class RegistrationResentV1(PayloadSchema):
    """registration.resent: the same person signed up again; their confirmation goes once more to them."""
    registration_id = fields.Str(required=True)
    person_id = fields.Str(required=True)
    meeting_id = fields.Str(required=True)
    status = fields.Str(required=True)
    code = fields.Str(required=True)
    cancel_url = fields.Str(allow_none=True, load_default=None)
    preferred_channel = channel(required=True)


class ParticipantCheckedInV1(PayloadSchema):
    meeting_id = fields.Str(required=True)
    person_id = fields.Str(required=True)
    registration_id = fields.Str(allow_none=True, load_default=None)
    checked_in_at = fields.AwareDateTime(required=True)
    walk_in = fields.Bool(load_default=False)
    companion_ids = ids(load_default=list)
    expected_attendance = fields.Int(allow_none=True, load_default=None)
    group_size = fields.Int(load_default=6)


class ParticipantCheckinUndoneV1(PayloadSchema):
    """participant.checkin_undone: a check-in done by mistake at the door was taken back; the person is not
    here (their seat at a table is free again, their colour no longer holds)."""
    meeting_id = fields.Str(required=True)
    person_id = fields.Str(required=True)


class InterestsRecordedV1(PayloadSchema):
    meeting_id = fields.Str(required=True)
    person_id = fields.Str(required=True)
    initiative_ids = ids(required=True)


class PersonErasedV1(PayloadSchema):
    person_id = fields.Str(required=True)


SCHEMAS = {
    ("meeting.scheduled", 1): MeetingScheduledV1,
    ("meeting.changed", 1): MeetingChangedV1,
    ("meeting.checkin_opened", 1): MeetingStatusV1,
    ("meeting.started", 1): MeetingStatusV1,
    ("meeting.closed", 1): MeetingStatusV1,
    ("initiative.registered", 1): InitiativeRegisteredV1,
    ("initiative.changed", 1): InitiativeChangedV1,
    ("initiative.submitted", 1): InitiativeMessageV1,
    ("initiative.link_requested", 1): InitiativeMessageV1,
    ("initiative_pair.answered", 1): InitiativePairAnsweredV1,
    ("initiative_pair.accepted", 1): InitiativePairAcceptedV1,
    ("volunteer.followed_up", 1): VolunteerFollowedUpV1,
    ("idea.shared", 1): IdeaSharedV1,
    ("registration.created", 1): RegistrationCreatedV1,
    ("registration.cancelled", 1): RegistrationChangedV1,
    ("registration.promoted", 1): RegistrationChangedV1,
    ("registration.resent", 1): RegistrationResentV1,
    ("participant.checked_in", 1): ParticipantCheckedInV1,
    ("participant.checkin_undone", 1): ParticipantCheckinUndoneV1,
    ("interests.recorded", 1): InterestsRecordedV1,
    ("person.erased", 1): PersonErasedV1,
}
