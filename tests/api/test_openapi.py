"""The OpenAPI schema (drf-spectacular) and Swagger UI: complete, valid, served with its assets."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.urls import URLPattern
from drf_spectacular.drainage import GENERATOR_STATS

from api import urls
from api.postman import openapi_document

pytestmark = pytest.mark.api

# /metrics is Prometheus' text format for the operator's scrapers, not a DRF view of the API.
UNDOCUMENTED = {"schema", "swagger-ui", "prometheus-django-metrics"}
PROBLEM_JSON = "application/problem+json"
STAFF_OPERATIONS = {
    "open_store",
    "register_product",
    "receive_stock",
    "revise_product",
    "adjust_stock",
}


def routed_operations() -> set[tuple[str, str]]:
    """(method, OpenAPI path) of every DRF view routed in api/urls.py."""
    operations = set()
    for pattern in urls.urlpatterns:
        if not isinstance(pattern, URLPattern) or pattern.name in UNDOCUMENTED:
            continue
        view = pattern.callback.view_class
        path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern.pattern))
        for method in view.http_method_names:
            if method not in {"options", "head"} and hasattr(view, method):
                operations.add((method, path))
    return operations


def documented_operations(document: dict) -> dict[tuple[str, str], dict]:
    return {
        (method, path): operation
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    }


@pytest.fixture(scope="module")
def document() -> dict:
    return openapi_document()


def test_the_schema_validates_with_not_a_single_warning(tmp_path):
    GENERATOR_STATS.reset()
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")
    )
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3")


def test_every_routed_endpoint_and_method_is_in_the_schema_and_nothing_else(document):
    routed = routed_operations()
    assert len(routed) >= 12
    assert set(documented_operations(document)) == routed


def test_every_operation_has_a_summary_a_tag_and_an_example_of_success(document):
    for (method, path), operation in documented_operations(document).items():
        assert operation.get("summary") and operation.get("tags"), (method, path)
        successes = [r for code, r in operation["responses"].items() if code.startswith("2")]
        assert any(
            content.get("examples")
            for response in successes
            for content in response.get("content", {}).values()
        ), (method, path)


def test_every_error_answer_is_documented_as_problem_json(document):
    for (method, path), operation in documented_operations(document).items():
        errors = {code: r for code, r in operation["responses"].items() if code >= "400"}
        if path == "/health/":  # its 503 is the health body itself
            continue
        assert {"400", "503"} <= set(errors), (method, path)
        for code, response in errors.items():
            assert list(response["content"]) == [PROBLEM_JSON], (method, path, code)
            schema = response["content"][PROBLEM_JSON]["schema"]
            assert schema == {"$ref": "#/components/schemas/Problem"}


def test_staff_operations_require_the_token_and_document_401_and_403(document):
    for operation in documented_operations(document).values():
        staff = operation["operationId"] in STAFF_OPERATIONS
        assert bool(operation.get("security")) == staff, operation["operationId"]
        if staff:
            assert operation["security"] == [{"tokenAuth": []}]
            assert {"401", "403"} <= set(operation["responses"])
    scheme = document["components"]["securitySchemes"]["tokenAuth"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")


def test_every_documented_query_parameter_and_header_is_described(document):
    names = set()
    for operation in documented_operations(document).values():
        for parameter in operation.get("parameters", []):
            assert parameter.get("description"), parameter
            names.add(parameter["name"])
    assert {
        "page",
        "page_size",
        "min_position",
        "q",
        "category",
        "min_price",
        "max_price",
        "store_id",
        "in_stock",
        "sort",
        "as_of_version",
        "Idempotency-Key",
    } <= names


def test_the_schema_is_served_as_json(client):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Aforro order service"


def test_swagger_ui_and_each_of_its_assets_are_served(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', response.content.decode())
    assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets)
    for asset in assets:
        served = client.get(asset)
        assert served.status_code == 200, asset
        assert b"".join(served.streaming_content if served.streaming else [served.content])


def test_every_operation_documents_the_414_of_an_over_long_request_target(document):
    """The request-target limit (api/request_limits.py) answers before any view, on any path."""
    for (method, path), operation in documented_operations(document).items():
        response = operation["responses"].get("414")
        assert response, f"{method} {path} does not document 414"
        assert "application/problem+json" in response["content"]
