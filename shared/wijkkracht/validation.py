"""What every service refuses in its input, and the message it gives: lone surrogates, control and invisible
characters, dates out of range, JSON nested too deeply. The schemas use the fields here; web.py checks JSON
bodies with walk_json before any handler runs, so no bad input reaches a store or a topic as a 500."""
import datetime as dt
import re

from marshmallow import ValidationError, fields

# A lone surrogate cannot be encoded as UTF-8: BSON, Kafka's JSON and SMTP would each fail on it later.
# U+FFFD is what a form's bytes that were not UTF-8 (a surrogate among them) decode to: a name mangled.
SURROGATE = re.compile(r"[\ud800-\udfff\ufffd]")
# NUL is refused by PostgreSQL's jsonb and means nothing in a name; other C0 controls but tab/newline too.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
LINE_BREAK = re.compile(r"[\t\n\r\x85\u2028\u2029]")
# Direction overrides and isolates reorder what an organiser reads at the door; zero-width characters make
# two names look the same. Neither belongs in a name or a title.
INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")

SURROGATE_MESSAGE = "Text holds an invalid character (a lone surrogate, or bytes that are not UTF-8)."
CONTROL_MESSAGE = "Text may not contain control characters."
LINE_MESSAGE = "Use one line of text."
INVISIBLE_MESSAGE = "Remove invisible or direction-changing characters (such as U+202E or U+200B)."
BLANK_MESSAGE = "Use letters, digits and punctuation only."
DATE_MESSAGE = "Give a date and time between 2000 and 2100, with a time zone."
DEPTH_MESSAGE = "The JSON body is nested too deeply."

EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
LATEST = dt.datetime(2100, 12, 31, 23, 59, 59, tzinfo=dt.timezone.utc)
MAX_JSON_DEPTH = 32

# The same messages as the forms show them: (nl, en). The registration pages add these to their own table.
FIELD_MESSAGES = {
    SURROGATE_MESSAGE: ("Hier staat een ongeldig teken in.", "This holds an invalid character."),
    CONTROL_MESSAGE: ("Hier staan onzichtbare stuurtekens in; haal ze weg.",
                      "This holds control characters; please remove them."),
    LINE_MESSAGE: ("Gebruik één regel tekst.", "Use one line of text."),
    INVISIBLE_MESSAGE: ("Haal onzichtbare tekens of tekens die de leesrichting omdraaien weg.",
                        "Please remove invisible characters or characters that change the reading direction."),
    DATE_MESSAGE: ("Geef een datum en tijd tussen 2000 en 2100.", "Give a date and time between 2000 and 2100."),
}


def text_problem(value: str, one_line: bool = False, name: bool = False) -> str | None:
    """The first reason ``value`` is refused, or None. ``name``: no invisible characters and not blank."""
    if SURROGATE.search(value):
        return SURROGATE_MESSAGE
    if CONTROL.search(value):
        return CONTROL_MESSAGE
    if (one_line or name) and LINE_BREAK.search(value):
        return LINE_MESSAGE
    if name and INVISIBLE.search(value):
        return INVISIBLE_MESSAGE
    if name and value and not value.strip():
        return BLANK_MESSAGE
    return None


class Text(fields.Str):
    """A string with no lone surrogate and no control character; ``one_line`` also refuses line breaks."""

    def __init__(self, *args, one_line: bool = False, **kwargs):
        self.one_line = one_line
        super().__init__(*args, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        problem = text_problem(text, one_line=self.one_line)
        if problem:
            raise ValidationError(problem)
        return text


class Line(Text):
    """One line: a title, a venue, an id."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, one_line=True, **kwargs)


class Name(fields.Str):
    """A person's or an initiative's name: one line, something visible, no direction overrides or
    zero-width characters (which would let one name pass for another on a list)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        problem = text_problem(text, name=True)
        if problem:
            raise ValidationError(problem)
        return text


class Email(fields.Email):
    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            problem = text_problem(value, name=True)
            if problem:
                raise ValidationError(problem)
        return super()._deserialize(value, attr, data, **kwargs)


class Moment(fields.AwareDateTime):
    """A date and time with a time zone, between 2000 and 2100: year 1 or 9999 (or an offset that pushes
    them past the calendar's end) would overflow later, in the store or in a reminder's arithmetic."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            moment = super()._deserialize(value, attr, data, **kwargs)
            in_range = EARLIEST <= moment <= LATEST
        except (OverflowError, ValueError) as exc:
            raise ValidationError(DATE_MESSAGE) from exc
        if not in_range:
            raise ValidationError(DATE_MESSAGE)
        return moment


def walk_json(value, max_depth: int = MAX_JSON_DEPTH) -> dict | None:
    """Field errors for a parsed JSON body, in marshmallow's nested shape (``{"a": {"0": {"b": [msg]}}}``),
    or None when it is fine: nesting deeper than ``max_depth``, a lone surrogate or a control character
    in any string or key. Iterative, so a deep body cannot exhaust the stack here either."""
    stack = [(value, ())]
    while stack:
        node, path = stack.pop()
        if len(path) > max_depth:
            return _at(path[:1], DEPTH_MESSAGE)  # the field it sits under, not a path of 32 keys
        if isinstance(node, dict):
            for key, child in node.items():
                problem = text_problem(key)
                if problem:
                    return _at(path, f"A field name: {problem}")
                stack.append((child, path + (key,)))
        elif isinstance(node, list):
            stack.extend((child, path + (str(i),)) for i, child in enumerate(node))
        elif isinstance(node, str):
            problem = text_problem(node)
            if problem:
                return _at(path, problem)
    return None


def _at(path: tuple, message: str) -> dict:
    errors: dict | list = [message]
    for key in reversed(path or ("_body",)):
        errors = {key: errors}
    return errors
