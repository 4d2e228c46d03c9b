"""The schema of every stored event class (topic → version and fields), and its snapshot.

    python -m events.schemas --write   # regenerate tests/events/event_schemas.json deliberately

tests/events/test_schemas.py compares the classes with the committed snapshot: a field change
needs a `class_version` bump and an `upcast_vN_vN+1`, so history stored earlier keeps loading.
"""

from __future__ import annotations

import argparse
import json
import typing
from pathlib import Path

from . import store  # noqa: F401  (imports every event module, registering its classes)
from .base import Event, Snapshot

SNAPSHOT_PATH = Path(__file__).resolve().parent.parent / "tests/events/event_schemas.json"
REGENERATE = "python -m events.schemas --write"


def event_classes() -> list[type[Event | Snapshot]]:
    """Every class with a stable topic: Event subclasses (at any depth) and Snapshot."""
    found: list[type[Event | Snapshot]] = [Snapshot]
    pending = list(Event.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if "TOPIC" in vars(cls):
            found.append(cls)
    return sorted(found, key=lambda c: c.TOPIC)


def schema_of(cls: type[Event | Snapshot]) -> dict:
    hints = typing.get_type_hints(cls)
    fields = {
        name: getattr(hint, "__name__", str(hint))
        for name, hint in hints.items()
        if hint is not typing.ClassVar and typing.get_origin(hint) is not typing.ClassVar
    }
    return {"version": cls.class_version, "fields": dict(sorted(fields.items()))}


def current_schemas() -> dict[str, dict]:
    return {cls.TOPIC: schema_of(cls) for cls in event_classes()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Print or rewrite the event schema snapshot.")
    parser.add_argument("--write", action="store_true", help=f"rewrite {SNAPSHOT_PATH.name}")
    args = parser.parse_args(argv)
    text = json.dumps(current_schemas(), indent=2) + "\n"
    if args.write:
        SNAPSHOT_PATH.write_text(text)
        print(f"wrote {SNAPSHOT_PATH}")
    else:
        print(text, end="")


if __name__ == "__main__":
    main()
