"""Writing a file generated from the OpenAPI schema, or checking that the committed one is
current: the `--output` / `--check` half shared by `export_postman` and `export_api_reference`.

May import Django's management base only; the commands render the text themselves.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


def add_output_arguments(parser, default: str, shown_default: str) -> None:
    parser.add_argument(
        "--output",
        default=default,
        help=f"file to write, '-' for stdout (default: {shown_default})",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; fail if the file differs from what would be written",
    )


def write_or_check(command: BaseCommand, text: str, options: dict, regenerate: str, done: str):
    """Write `text` to `--output` (stdout for '-') and say `done`; with `--check`, fail naming
    the command that regenerates it (`regenerate`) unless the file already holds exactly it."""
    output = options["output"]
    if output == "-":
        command.stdout.write(text, ending="")
        return
    path = Path(output)
    if options["check"]:
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            raise CommandError(f"{path} is out of date: run {regenerate}")
        command.stdout.write(f"{path} is up to date")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    command.stdout.write(f"wrote {path}: {done}")
