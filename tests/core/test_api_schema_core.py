import yaml
from django.core.management import call_command


def test_the_core_api_and_the_api_base_generate_a_valid_schema_without_warnings(tmp_path):
    schema_file = tmp_path / "schema.yml"

    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--urlconf=tests.testapp.schema_urls",
        f"--file={schema_file}",
    )

    paths = yaml.safe_load(schema_file.read_text())["paths"]
    assert {
        "/api/v1/core/outbox-events/",
        "/api/v1/core/outbox-events/{id}/",
        "/api/v1/core/outbox-events/{id}/retry/",
        "/api/v1/core/security-events/",
        "/api/v1/core/security-events/{id}/",
        "/api/v1/testapp/vouchers/{id}/history/",
    } <= set(paths)
    filters = {parameter["name"] for parameter in paths["/api/v1/core/outbox-events/"]["get"]["parameters"]}
    assert {"status", "kind", "page", "ordering", "search"} <= filters
