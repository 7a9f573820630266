"""Logs never carry an email address or a phone number, whatever a careless caller passes in."""
import json
import logging

import pytest

from wijkkracht.logging import JsonFormatter, scrub


@pytest.mark.parametrize("text", ["+31612345678", "+31 6 12345678", "0031612345678", "06-12345678",
                                  "06 1234 5678", "0612345678", "fatima.el-amrani@example.org"])
def test_contact_details_are_masked(text):
    assert text not in scrub(f"sending to {text} now")


@pytest.mark.parametrize("text", ["2026-11-26T00:50:48.328Z", "ran for 0.102s", "offset 1700000000",
                                  "event 2b96a7eb-9942-4644-b2e0-08c832bed532"])
def test_ordinary_values_are_kept(text):
    assert scrub(text) == text


def test_a_log_line_is_json_with_the_event_fields_and_no_email():
    record = logging.makeLogRecord({"msg": "sent to %s", "args": ("a@example.org",), "levelname": "INFO",
                                    "event_id": "e1", "type": "registration.created"})
    line = json.loads(JsonFormatter("notifications").format(record))
    assert line["event_id"] == "e1" and line["type"] == "registration.created"
    assert "a@example.org" not in line["msg"]
    assert line["ts"].startswith("20")
