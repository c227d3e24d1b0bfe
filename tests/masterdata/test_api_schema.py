"""The OpenAPI schema of the master-data API, and the Swagger UI served from local assets."""

import re

from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

API = "/api/v1/masterdata"


def _response_schema(schema: dict, path: str, method: str, status: str = "200") -> dict:
    return schema["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]


def test_the_schema_validates_and_master_data_raises_no_warnings(db):
    GENERATOR_STATS.reset()

    schema = SchemaGenerator().get_schema(request=None, public=True)

    validate_schema(schema)
    ours = [message for message in GENERATOR_STATS._warn_cache if "masterdata" in message]
    assert ours == []
    assert _response_schema(schema, f"{API}/items/", "get")["$ref"].endswith("/PaginatedItemList")
    history = _response_schema(schema, f"{API}/items/{{id}}/history/", "get")
    assert history["type"] == "array"
    assert history["items"]["$ref"].endswith("/HistoryEntry")
    assert _response_schema(schema, f"{API}/partners/", "post", "201")["$ref"].endswith("/SavedPartner")
    assert _response_schema(schema, f"{API}/partners/similar/", "get")["type"] == "array"
    assert _response_schema(schema, f"{API}/items/{{id}}/merge/", "post")["$ref"].endswith("/MergeRecord")
    imported = schema["paths"][f"{API}/items/import/"]["post"]
    assert list(imported["requestBody"]["content"]) == ["multipart/form-data"]
    assert _response_schema(schema, f"{API}/items/import/", "post", "400")["$ref"].endswith("/ImportRejected")
    assert "delete" not in schema["paths"][f"{API}/items/{{id}}/"]
    price = schema["components"]["schemas"]["Item"]["properties"]["standard_price"]
    assert (price["type"], price["format"]) == ("string", "decimal")


def test_swagger_ui_loads_from_local_assets(client):
    page = client.get("/api/docs/")

    assert page.status_code == 200
    html = page.content.decode()
    assets = re.findall(r"""["']([^"']*drf_spectacular_sidecar/swagger-ui-dist/[^"']+)["']""", html)
    assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets)
    assert "//cdn" not in html and "unpkg.com" not in html
    for asset in assets:
        served = client.get(asset)
        assert served.status_code == 200, asset
    assert client.get("/api/schema/").status_code == 200
