"""`manage.py export_api_reference [--output FILE] [--check]`: docs/api-reference.md from the
OpenAPI schema and the conventions template (docs/api-conventions.md)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from api.generated_files import add_output_arguments, write_or_check
from api.postman import openapi_document
from api.reference import COMMAND, conventions_template, default_output, reference_markdown


class Command(BaseCommand):
    help = (
        "Render the HTTP API reference (Markdown) from the OpenAPI schema (drf-spectacular): "
        "the conventions of docs/api-conventions.md, then every endpoint with its parameters, "
        "request body and responses, then the request and response shapes. The same schema "
        "always gives the same bytes."
    )

    def add_arguments(self, parser) -> None:
        add_output_arguments(parser, str(default_output()), "docs/api-reference.md")

    def handle(self, *args, **options) -> None:
        document = openapi_document()
        count = sum(len(operations) for operations in document["paths"].values())
        text = reference_markdown(document, conventions_template())
        write_or_check(self, text, options, COMMAND, f"{count} endpoints")
