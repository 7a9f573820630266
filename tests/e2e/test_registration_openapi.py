"""Every registration endpoint fuzzed from its own /openapi.json: never a 5xx, and every answer as the spec says."""
from tests.openapi_fuzz import fuzz_every_operation, refuse_bad_inputs


def test_the_registration_api_never_answers_5xx_and_keeps_to_its_spec(stack):
    # With the organiser token, so the fuzzing reaches past authentication into the handlers.
    failures = fuzz_every_operation(stack, "registration", stack.organiser, max_examples=25, min_operations=14)
    assert not failures, "\n\n".join(failures)


def test_without_a_token_nothing_breaks_either(stack):
    failures = fuzz_every_operation(stack, "registration", {}, max_examples=8, min_operations=14)
    assert not failures, "\n\n".join(failures)


def test_oversized_deep_or_unencodable_input_is_a_4xx_naming_the_field(stack):
    # 256 KiB: an initiative of 50 roles of 2,000 characters needs it.
    failures = refuse_bad_inputs(stack, "registration", stack.organiser, max_body=256 * 1024)
    assert not failures, "\n".join(failures)
