"""docs/api-reference.md: rendered from the OpenAPI schema and docs/api-conventions.md by
`manage.py export_api_reference`, so the repository's own API reference cannot drift."""

from __future__ import annotations

import os
import re
from fnmatch import fnmatch
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from api.postman import METHODS, openapi_document
from api.reference import anchor, conventions_template, reference_markdown

pytestmark = pytest.mark.api

BASE = Path(settings.BASE_DIR)
COMMITTED = BASE / "docs" / "api-reference.md"
# Built in two pieces so that this file does not cite the file name it looks for.
RETIRED_NAME = "API" + ".md"
SCANNED = ("*.py", "*.md", "*.yml", "*.yaml", "*.json", "*.toml", "Makefile", "Dockerfile", "run")
SKIPPED = {".git", ".venv", "var", "node_modules", "__pycache__", ".pytest_cache", ".ruff_cache"}


@pytest.fixture(scope="module")
def document() -> dict:
    return openapi_document()


@pytest.fixture(scope="module")
def reference(document) -> str:
    return reference_markdown(document, conventions_template())


def operations(document: dict) -> list[tuple[str, str, dict]]:
    return [
        (method, path, ops[method])
        for path, ops in document["paths"].items()
        for method in METHODS
        if method in ops
    ]


def section(reference: str, method: str, path: str) -> str:
    """The text under `#### METHOD /path`, up to the next heading of that level or above."""
    start = reference.index(f"\n#### {method.upper()} {path}\n")
    end = re.compile(r"\n#{1,4} ").search(reference, start + 1)
    return reference[start : end.start() if end else len(reference)]


def test_the_committed_reference_is_exactly_what_the_schema_generates(reference):
    assert COMMITTED.read_text(encoding="utf-8") == reference, (
        "docs/api-reference.md is stale: run `python manage.py export_api_reference`"
    )


def test_every_operation_has_its_section_with_every_parameter_and_response(document, reference):
    for method, path, operation in operations(document):
        text = section(reference, method, path)
        assert f"**{operation['summary']}**" in text
        assert f"(#{anchor(method, path)})" in reference  # listed in the table of endpoints
        for parameter in operation.get("parameters", []):
            assert f"| `{parameter['name']}` | {parameter['in']} |" in text, parameter["name"]
        for code in operation["responses"]:
            assert f"\n| {code} " in text, (method, path, code)
        staff = "staff only" in text
        assert staff == any("tokenAuth" in s for s in operation.get("security", []))


def test_request_body_fields_are_listed_with_their_constraints(reference):
    text = section(reference, "post", "/orders/")
    assert "| `items` | array of [OrderItemRequest](#schema-orderitemrequest) | yes " in text
    assert "| `items[].quantity_requested` | integer | yes | 1 to 1000000 |" in text
    assert "| `Idempotency-Key` | header | string | no | 1 to 200 characters |" in text


def test_every_linked_schema_has_a_section(reference):
    for name in set(re.findall(r"\]\(#(schema-[a-z0-9]+)\)", reference)):
        headings = re.findall(r"^### Schema: (\w+)$", reference, re.MULTILINE)
        assert name in {f"schema-{h.lower()}" for h in headings}, name


def test_the_conventions_template_is_included_without_its_editor_note(reference):
    template = conventions_template()
    assert template.startswith("<!--")
    body = template.split("-->", 1)[1].strip()
    assert body in reference
    assert "copies it (without this comment)" not in reference
    assert reference.index("## Conventions") < reference.index("## Endpoints")


def test_the_command_writes_the_reference_and_check_spots_drift(tmp_path, reference):
    output = tmp_path / "reference.md"
    call_command("export_api_reference", "--output", str(output))
    assert output.read_text(encoding="utf-8") == reference
    call_command("export_api_reference", "--output", str(output))  # idempotent
    call_command("export_api_reference", "--output", str(output), "--check")
    output.write_text(reference.replace("Place an order", "Place a order"), encoding="utf-8")
    with pytest.raises(CommandError, match=r"out of date: run python manage\.py export_api_ref"):
        call_command("export_api_reference", "--output", str(output), "--check")


def test_the_command_refuses_unknown_arguments():
    with pytest.raises(CommandError):
        call_command("export_api_reference", "--frobnicate")


def test_no_file_of_the_repository_cites_a_reference_outside_it():
    citing = []
    for folder, subfolders, files in os.walk(BASE):
        subfolders[:] = [d for d in subfolders if d not in SKIPPED]
        for name in files:
            if not any(fnmatch(name, pattern) for pattern in SCANNED):
                continue
            path = Path(folder) / name
            if RETIRED_NAME in path.read_text(encoding="utf-8", errors="replace"):
                citing.append(str(path.relative_to(BASE)))
    assert citing == [], f"cite docs/api-reference.md instead of {RETIRED_NAME}: {citing}"
