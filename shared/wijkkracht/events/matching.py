"""Payload schemas of the events the matching service produces (topic wijkkracht.matching)."""
from marshmallow import fields, validate

from .common import PayloadSchema, strings


class ColourAssignedV1(PayloadSchema):
    """A colour for an arrival; or, with ``changed_from``, a new one at the start: their table was too small
    for a conversation and was closed, so they sit at another (the only way a colour ever changes)."""
    meeting_id = fields.Str(required=True)
    person_id = fields.Str(required=True)
    colour = fields.Str(required=True)
    table = fields.Int(required=True)
    changed_from = fields.Str(allow_none=True)  # absent on an arrival's first colour


class QuestionV1(PayloadSchema):
    nl = fields.Str(required=True)
    en = fields.Str(required=True)


class TableSlotV1(PayloadSchema):
    table = fields.Int(required=True)
    colour = fields.Str(required=True)
    initiative_id = fields.Str(allow_none=True, load_default=None)
    question = fields.Nested(QuestionV1, required=True)


class RoundV1(PayloadSchema):
    starts_at = fields.AwareDateTime(required=True)
    tables = fields.List(fields.Nested(TableSlotV1), required=True)


class SchedulePublishedV1(PayloadSchema):
    meeting_id = fields.Str(required=True)
    rounds = fields.List(fields.Nested(RoundV1), required=True)


class ReasonsV1(PayloadSchema):
    nl = strings(load_default=list)
    en = strings(load_default=list)
    codes = strings(load_default=list)  # why, as codes: asked, interests, language, area, met, complements, ...


class SuggestionV1(PayloadSchema):
    initiative_id = fields.Str(required=True)
    role_id = fields.Str(required=True)
    score = fields.Float(required=True)
    reasons = fields.Nested(ReasonsV1, required=True)
    accept_url = fields.Str(allow_none=True, load_default=None)
    decline_url = fields.Str(allow_none=True, load_default=None)
    # May the initiative see the resident's details before they accept (they agreed to share)? Without it
    # nothing about them reaches the initiative until they accept.
    share_details = fields.Bool(load_default=False)


class ResidentMatchesV1(PayloadSchema):
    person_id = fields.Str(required=True)
    suggestions = fields.List(fields.Nested(SuggestionV1), required=True)
    # A short signed link to a page of all of this resident's suggestions, for a text message (optional).
    list_url = fields.Str(allow_none=True, load_default=None)


class InitiativePairV1(PayloadSchema):
    initiative_ids = strings(required=True)
    score = fields.Float(required=True)
    reasons = fields.Nested(ReasonsV1, required=True)


class MatchesProposedV1(PayloadSchema):
    meeting_id = fields.Str(required=True)
    residents = fields.List(fields.Nested(ResidentMatchesV1), load_default=list)
    initiatives = fields.List(fields.Nested(InitiativePairV1), load_default=list)


class MatchesProposedV2(MatchesProposedV1):
    """One part of an evening's proposals: a few residents each, so one message stays small however many came
    (the evening's initiative pairs ride in part 1). Parts share the meeting id as key, so they stay in order;
    a consumer handles each part on its own (what it does per resident and per pair is idempotent)."""
    part = fields.Int(required=True, validate=validate.Range(min=1))
    parts = fields.Int(required=True, validate=validate.Range(min=1))


class MatchAnsweredV1(PayloadSchema):
    """match.accepted and match.declined: a resident's answer to one suggestion."""
    meeting_id = fields.Str(required=True)
    person_id = fields.Str(required=True)
    initiative_id = fields.Str(required=True)
    role_id = fields.Str(required=True)


SCHEMAS = {
    ("colour.assigned", 1): ColourAssignedV1,
    ("schedule.published", 1): SchedulePublishedV1,
    ("matches.proposed", 1): MatchesProposedV1,  # still accepted: events already in topics and outboxes
    ("matches.proposed", 2): MatchesProposedV2,
    ("match.accepted", 1): MatchAnsweredV1,
    ("match.declined", 1): MatchAnsweredV1,
}
