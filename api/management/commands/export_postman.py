"""`manage.py export_postman [--output FILE] [--check]`: the Postman collection from the schema."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from api.postman import collection_json, default_output, openapi_document


class Command(BaseCommand):
    help = (
        "Convert the OpenAPI schema (drf-spectacular) into a Postman v2.1 collection: one "
        "request per path and method, folders by tag, example bodies, {{baseUrl}} and {{token}}."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--output",
            default=default_output(),
            help="file to write, '-' for stdout (default: docs/postman_collection.json)",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="write nothing; fail if the file differs from what would be written",
        )

    def handle(self, *args, **options) -> None:
        document = openapi_document()
        text = collection_json(document)
        output = options["output"]
        if output == "-":
            self.stdout.write(text, ending="")
            return
        path = Path(output)
        if options["check"]:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                raise CommandError(f"{path} is out of date: run manage.py export_postman")
            self.stdout.write(f"{path} is up to date")
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        count = sum(len(operations) for operations in document["paths"].values())
        self.stdout.write(f"wrote {path}: {count} requests")
