"""docs/postman_collection.json: generated from the schema by `manage.py export_postman`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from api.postman import collection_json, openapi_document

pytestmark = pytest.mark.api

COMMITTED = Path(settings.BASE_DIR) / "docs" / "postman_collection.json"


@pytest.fixture(scope="module")
def document() -> dict:
    return openapi_document()


@pytest.fixture(scope="module")
def collection(document) -> dict:
    return json.loads(collection_json(document))


def requests_of(collection: dict) -> dict[tuple[str, str], dict]:
    """(method, OpenAPI path) -> (folder name, request) of every request in the collection."""
    found = {}
    for folder in collection["item"]:
        for item in folder["item"]:
            request = item["request"]
            segments = [f"{{{s[1:]}}}" if s.startswith(":") else s for s in request["url"]["path"]]
            key = (request["method"].lower(), "/" + "/".join(segments))
            assert key not in found, key
            found[key] = (folder["name"], request)
    return found


def test_the_committed_collection_is_exactly_what_the_schema_generates(document):
    assert COMMITTED.read_text(encoding="utf-8") == collection_json(document), (
        "docs/postman_collection.json is stale: run `python manage.py export_postman`"
    )


def test_every_schema_operation_is_one_request_in_the_folder_of_its_tag(document, collection):
    requests = requests_of(collection)
    operations = {
        (method, path): operation
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    }
    assert set(requests) == set(operations)
    for key, (folder, _) in requests.items():
        assert folder == operations[key]["tags"][0]


def test_urls_use_the_base_url_variable_and_staff_requests_the_token(collection):
    assert {v["key"]: v["value"] for v in collection["variable"]} == {
        "baseUrl": "http://127.0.0.1:8000",
        "token": "",
    }
    for (method, path), (folder, request) in requests_of(collection).items():
        assert request["url"]["raw"].startswith("{{baseUrl}}/")
        auth = request["auth"]
        if folder == "catalog (staff)":
            assert {"key": "value", "value": "Token {{token}}", "type": "string"} in auth["apikey"]
        else:
            assert auth == {"type": "noauth"}, (method, path)


def test_request_bodies_are_the_documented_examples(document, collection):
    request = requests_of(collection)[("post", "/orders/")][1]
    examples = document["paths"]["/orders/"]["post"]["requestBody"]["content"]
    example = next(iter(examples["application/json"]["examples"].values()))["value"]
    assert json.loads(request["body"]["raw"]) == example
    assert {"key": "Content-Type", "value": "application/json"} in request["header"]
    assert any(h["key"] == "Idempotency-Key" and h["disabled"] for h in request["header"])


def test_the_command_writes_the_collection_and_check_spots_drift(tmp_path, document):
    output = tmp_path / "collection.json"
    call_command("export_postman", "--output", str(output))
    assert output.read_text(encoding="utf-8") == collection_json(document)
    call_command("export_postman", "--output", str(output), "--check")
    output.write_text("{}\n", encoding="utf-8")
    with pytest.raises(CommandError, match="out of date"):
        call_command("export_postman", "--output", str(output), "--check")
