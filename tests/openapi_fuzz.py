"""Fuzz every operation of a service from its own /openapi.json: never a 5xx, and every answer as the spec
says (bodies matching their schemas, JSON where JSON is declared). Shared by the e2e tests of each service."""
import re

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


DEEP = "[" * 10_000
SURROGATE = '"\\ud800"'  # JSON's escape of a lone surrogate: valid JSON, not encodable as UTF-8


def _string_properties(spec: dict, schema: dict) -> list[str]:
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return [name for name, prop in (schema.get("properties") or {}).items()
            if prop.get("type") == "string" and not prop.get("readOnly")]


def refuse_bad_inputs(stack, service: str, headers: dict, max_body: int) -> list[str]:
    """Send every operation the inputs that once gave a 500: a body over ``max_body`` (413), JSON nested
    10,000 deep (400), a lone surrogate in each string field of its JSON body (422 naming that field).
    Return one line per answer that was not the 4xx JSON error it should have been."""
    import requests

    spec = requests.get(stack.url(service, "/openapi.json"), timeout=30).json()
    failures = []

    def expect(method, path, body, status, field=None):
        r = requests.request(method, stack.url(service, path), data=body, timeout=30,
                             headers={**headers, "Content-Type": "application/json"})
        error = (r.json() if r.headers.get("Content-Type", "").startswith("application/json") else {}).get("error")
        named = error and (field is None or field in (error.get("fields") or {}))
        if r.status_code != status or (path.startswith("/api/") and not named):
            failures.append(f"{method} {path} ({len(body)} bytes, {field or 'body'}): {r.status_code} {r.text[:200]}")

    for template, operations in spec["paths"].items():
        path = re.sub(r"\{[^}]+\}", "x", template)
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            expect(method.upper(), path, b'"' + b"a" * max_body + b'"', 413)
            expect(method.upper(), path, DEEP, 400, "_body")
            body = (operation.get("requestBody") or {}).get("content", {}).get("application/json")
            for name in _string_properties(spec, body["schema"]) if body else []:
                expect(method.upper(), path, '{"%s": %s}' % (name, SURROGATE), 422, name)
    return failures
