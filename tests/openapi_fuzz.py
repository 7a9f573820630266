"""Fuzz every operation of a service from its own /openapi.json: never a 5xx, and every answer as the spec
says (bodies matching their schemas, JSON where JSON is declared). Shared by the e2e tests of each service."""
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


def fuzz_every_operation(stack, service: str, headers: dict, max_examples: int, min_operations: int) -> list[str]:
    """Run each operation's generated cases; return one line per operation that failed, saying why."""
    schema = schemathesis.openapi.from_url(stack.url(service, "/openapi.json"), wait_for_schema=30)
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
    assert operations >= min_operations, f"only {operations} operations in {service}'s spec"
    return failures
