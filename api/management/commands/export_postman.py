"""`manage.py export_postman [--output FILE] [--check]`: the Postman collection from the schema."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from api.generated_files import add_output_arguments, write_or_check
from api.postman import collection_json, default_output, openapi_document


class Command(BaseCommand):
    help = (
        "Convert the OpenAPI schema (drf-spectacular) into a Postman v2.1 collection: one "
        "request per path and method, folders by tag, example bodies, {{baseUrl}} and {{token}}."
    )

    def add_arguments(self, parser) -> None:
        add_output_arguments(parser, default_output(), "docs/postman_collection.json")

    def handle(self, *args, **options) -> None:
        document = openapi_document()
        count = sum(len(operations) for operations in document["paths"].values())
        text = collection_json(document)
        write_or_check(self, text, options, "manage.py export_postman", f"{count} requests")
