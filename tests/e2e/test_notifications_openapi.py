"""Every notifications endpoint fuzzed from its own /openapi.json: never a 5xx, and every answer as the spec says."""
from tests.openapi_fuzz import fuzz_every_operation, refuse_bad_inputs


def test_the_notifications_api_never_answers_5xx_and_keeps_to_its_spec(stack):
    failures = fuzz_every_operation(stack, "notifications", stack.organiser, max_examples=15, min_operations=3)
    assert not failures, "\n\n".join(failures)


def test_oversized_deep_or_unencodable_input_is_a_4xx_naming_the_field(stack):
    # 64 KiB: web.DEFAULT_MAX_BODY.
    failures = refuse_bad_inputs(stack, "notifications", stack.organiser, max_body=64 * 1024)
    assert not failures, "\n".join(failures)
