"""Every matching endpoint fuzzed from its own /openapi.json: never a 5xx, and every answer as the spec says."""
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


def fuzz_every_operation(stack, headers: dict, max_examples: int) -> list[str]:
    schema = schemathesis.openapi.from_url(stack.url("matching", "/openapi.json"), wait_for_schema=30)
    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=max_examples, deadline=None, suppress_health_check=list(HealthCheck),
                  database=None)
        def run(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except Exception as exc:  # noqa: BLE001 - collected and reported all at once below
            failures.append(f"{operation.label}: {str(exc)[:1500]}")
    assert operations >= 7, f"only {operations} operations in the spec"
    return failures


def test_the_matching_api_never_answers_5xx_and_keeps_to_its_spec(stack):
    failures = fuzz_every_operation(stack, stack.organiser, max_examples=10)
    assert not failures, "\n\n".join(failures)


def test_without_a_token_nothing_breaks_either(stack):
    failures = fuzz_every_operation(stack, {}, max_examples=4)
    assert not failures, "\n\n".join(failures)
