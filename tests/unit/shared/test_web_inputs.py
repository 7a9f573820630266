"""What every service refuses, and how it says so: wijkkracht.validation's fields and web.py's input guards,
on a small Flask app of their own (no stack needed)."""
import json

import pytest
from flask import Flask, jsonify, request
from marshmallow import Schema, ValidationError

from wijkkracht import validation, web


class Person(Schema):
    name = validation.Name(required=True)
    note = validation.Text()
    starts_at = validation.Moment()


@pytest.mark.parametrize("name, message", [
    ("\ud800", validation.SURROGATE_MESSAGE),
    ("Ana\x00", validation.CONTROL_MESSAGE),
    ("Ana\nBcc: x@example.org", validation.LINE_MESSAGE),
    *[(f"Ana{c}Bob", validation.INVISIBLE_MESSAGE) for c in
      "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\u200c\u200d\u200e\u200f\ufeff"],
    ("   ", validation.BLANK_MESSAGE),
])
def test_a_name_with_a_character_that_does_not_belong_is_refused_saying_why(name, message):
    with pytest.raises(ValidationError) as refused:
        Person().load({"name": name})
    assert refused.value.messages == {"name": [message]}


def test_ordinary_names_and_free_text_pass():
    loaded = Person().load({"name": "Zoë O'Brien-Đukić محمد", "note": "Twee regels:\nen een tab\t."})
    assert loaded["name"] == "Zoë O'Brien-Đukić محمد"


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00",
                                  "1999-12-31T23:59:59+00:00", "2101-01-01T00:00:00+00:00"])
def test_a_moment_outside_2000_to_2100_is_refused_not_overflowed(when):
    with pytest.raises(ValidationError) as refused:
        Person().load({"name": "Ana", "starts_at": when})
    assert refused.value.messages == {"starts_at": [validation.DATE_MESSAGE]}


def test_every_message_has_its_dutch_and_english_words():
    for message in (validation.SURROGATE_MESSAGE, validation.CONTROL_MESSAGE, validation.LINE_MESSAGE,
                    validation.INVISIBLE_MESSAGE, validation.DATE_MESSAGE):
        nl, en = validation.FIELD_MESSAGES[message]
        assert nl and en and nl != en


def test_walk_json_names_the_field_and_survives_any_depth():
    assert validation.walk_json({"a": [{"b": "ok"}, {"b": "x\ud800"}]}) == {
        "a": {"1": {"b": [validation.SURROGATE_MESSAGE]}}}
    deep = "x"
    for _ in range(100_000):
        deep = [deep]
    assert validation.walk_json({"a": deep}) == {"a": [validation.DEPTH_MESSAGE]}
    assert validation.walk_json({"fine": [1, 2.5, None, True, {"x": "é"}]}) is None


@pytest.fixture()
def http():
    app = Flask(__name__)
    web.install_json_errors(app)

    @app.post("/echo")
    def echo():
        return jsonify(request.get_json(silent=True))

    @app.post("/ignores-its-body")
    def ignores():
        return jsonify({"ok": True})

    return app.test_client()


def refused(response, status):
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    return response.get_json()["error"]


def test_deep_json_is_a_400_not_a_recursion_error(http):
    error = refused(http.post("/echo", data="[" * 10_000, content_type="application/json"), 400)
    assert error["fields"] == {"_body": [validation.DEPTH_MESSAGE]}
    refused(http.post("/echo", data='{"a":' * 10_000, content_type="application/json"), 400)


def test_a_lone_surrogate_or_nul_in_json_is_a_422_naming_the_field(http):
    error = refused(http.post("/echo", data='{"who": {"name": "\\ud800"}}', content_type="application/json"), 422)
    assert error["fields"] == {"who": {"name": [validation.SURROGATE_MESSAGE]}}
    error = refused(http.post("/echo", data='{"title": "a\\u0000"}', content_type="application/json"), 422)
    assert error["fields"] == {"title": [validation.CONTROL_MESSAGE]}


def test_a_body_over_the_limit_is_a_413_in_json_even_where_the_route_ignores_it(http):
    big = json.dumps({"x": "a" * web.DEFAULT_MAX_BODY})
    assert refused(http.post("/ignores-its-body", data=big, content_type="text/plain"), 413)["code"] == \
        "request_entity_too_large"
    assert http.post("/echo", data=json.dumps({"x": "a" * 1000}), content_type="application/json").status_code == 200


def test_a_control_character_in_the_path_is_a_404(http):
    assert refused(http.get("/api/v1/meetings/%00"), 404)["code"] == "not_found"


def test_a_control_character_in_an_api_form_or_query_field_is_a_422_naming_it(http):
    error = refused(http.post("/api/v1/sms/inbound?token=t", data={"from": "+31612\x00", "body": "STOP"}), 422)
    assert error["fields"] == {"from": [validation.CONTROL_MESSAGE]}
    error = refused(http.get("/api/v1/deliveries?meeting_id=%00"), 422)
    assert error["fields"] == {"meeting_id": [validation.CONTROL_MESSAGE]}
