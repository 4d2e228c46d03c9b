"""Every stored event class matches the committed schema snapshot, or says how to evolve it."""

from __future__ import annotations

import json

import pytest
from eventsourcing.utils import resolve_topic

from events.schemas import REGENERATE, SNAPSHOT_PATH, current_schemas

SNAPSHOT = json.loads(SNAPSHOT_PATH.read_text())
CURRENT = current_schemas()


def schema_problems(snapshot: dict, current: dict) -> list[str]:
    """What is wrong between the committed snapshot and the classes, one sentence each."""
    problems = []
    for topic in sorted(set(snapshot) | set(current)):
        old, new = snapshot.get(topic), current.get(topic)
        if old is None or new is None:
            what = "is new" if old is None else "has no class any more (its history cannot load)"
            problems.append(f"{topic} {what}: if deliberate, run `{REGENERATE}`")
        elif new["version"] < old["version"]:
            problems.append(f"{topic}: class_version went down from {old['version']}")
        elif new["fields"] != old["fields"] and new["version"] == old["version"]:
            problems.append(
                f"{topic}: fields changed at version {old['version']}: set class_version = "
                f"{old['version'] + 1}, add a static upcast_v{old['version']}_v"
                f"{old['version'] + 1}(state) for stored events, then run `{REGENERATE}`"
            )
        elif new != old:
            problems.append(f"{topic}: version bumped: run `{REGENERATE}` to record it")
    return problems


def test_every_event_class_matches_the_committed_schema_snapshot():
    assert schema_problems(SNAPSHOT, CURRENT) == []


@pytest.mark.parametrize("topic", sorted(CURRENT))
def test_every_version_after_the_first_has_an_upcaster_from_the_one_before(topic):
    cls = resolve_topic(topic)
    missing = [
        f"upcast_v{v}_v{v + 1}"
        for v in range(1, cls.class_version)
        if not callable(getattr(cls, f"upcast_v{v}_v{v + 1}", None))
    ]
    assert missing == [], f"{topic} v{cls.class_version} cannot read older stored state"


def test_a_field_changed_without_a_version_bump_is_reported_with_what_to_do():
    changed = json.loads(json.dumps(CURRENT))
    changed["aforro.StockReceived"]["fields"]["note"] = "str"
    [problem] = schema_problems(SNAPSHOT, changed)
    assert "set class_version = 2" in problem and "upcast_v1_v2" in problem
    assert REGENERATE in problem


def test_a_new_event_class_is_reported_until_the_snapshot_is_regenerated():
    added = {**CURRENT, "aforro.StockCounted": {"version": 1, "fields": {}}}
    assert schema_problems(SNAPSHOT, added) == [
        f"aforro.StockCounted is new: if deliberate, run `{REGENERATE}`"
    ]
