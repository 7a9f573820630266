"""Every matching endpoint fuzzed from its own /openapi.json: never a 5xx, and every answer as the spec says."""
from tests.openapi_fuzz import fuzz_every_operation, refuse_bad_inputs


def test_the_matching_api_never_answers_5xx_and_keeps_to_its_spec(stack):
    failures = fuzz_every_operation(stack, "matching", stack.organiser, max_examples=10, min_operations=7)
    assert not failures, "\n\n".join(failures)


def test_without_a_token_nothing_breaks_either(stack):
    failures = fuzz_every_operation(stack, "matching", {}, max_examples=4, min_operations=7)
    assert not failures, "\n\n".join(failures)


def test_oversized_deep_or_unencodable_input_is_a_4xx_naming_the_field(stack):
    # 64 KiB: web.DEFAULT_MAX_BODY.
    failures = refuse_bad_inputs(stack, "matching", stack.organiser, max_body=64 * 1024)
    assert not failures, "\n".join(failures)
