"""Every notifications endpoint fuzzed from its own /openapi.json: never a 5xx, and every answer as the spec says."""
from tests.openapi_fuzz import fuzz_every_operation


def test_the_notifications_api_never_answers_5xx_and_keeps_to_its_spec(stack):
    failures = fuzz_every_operation(stack, "notifications", stack.organiser, max_examples=15, min_operations=3)
    assert not failures, "\n\n".join(failures)
