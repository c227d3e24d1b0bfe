"""schemathesis against the project's own OpenAPI schema, through the WSGI app, as an authenticated administrator.

Every operation the schema lists at run time is tried (new apps are covered as they add endpoints) with a
small, derandomized example budget: no answer may be a server error, and every documented answer must match
its schema. All operations run before the test fails, and the failure lists each one with a replayable call.
FUZZ_MAX_EXAMPLES raises the budget per operation (docs: "Hostile input").

The operations run one after another inside the test's transaction; schemathesis' stateful phase (which
chains links such as create → confirm → cancel) is left out, so a run stays bounded and reproducible.
"""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "3"))
# tests/testapp's routes exist only in the test URLconf (one of them loses the database on purpose).
TEST_ONLY_PATHS = r"^/api/v1/testapp/"
CHECKS = [not_a_server_error, response_schema_conformance]


def project_schema(token: str):
    config = schemathesis.config.SchemathesisConfig.from_dict(
        {"seed": 8, "headers": {"Authorization": f"Token {token}"}, "generation": {"deterministic": True}}
    )
    return schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application(), config=config).exclude(
        path_regex=TEST_ONLY_PATHS
    )


def fuzz(operation) -> None:
    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case) -> None:
        case.call_and_validate(checks=CHECKS)

    run()


@pytest.fixture
def connection_kept_open():
    """The WSGI handler closes the database connection around a request (as Django's test client does not):
    inside the test's transaction that would lose the transaction, so keep it open as the test client does."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.mark.django_db
def test_no_operation_answers_a_server_error_or_breaks_its_schema(every_record, token, connection_kept_open):
    operations = [result.ok() for result in project_schema(token).get_all_operations()]
    assert len(operations) > 100, "the schema lost its operations"
    failures = []
    for operation in operations:
        try:
            fuzz(operation)
        except (Exception, BaseExceptionGroup) as exc:  # every failing operation is reported, not only the first
            failures.append(f"{operation.label}: {exc}")
    assert not failures, f"{len(failures)} operation(s) failed:\n\n" + "\n\n".join(failures)
