"""`manage.py verify_events` decodes the whole store, counts by type and stored version, and
names the first position it cannot decode."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from .stored_rows import fixture_rows, insert_fixture, insert_rows

pytestmark = pytest.mark.django_db


def verify(*args: str) -> list[str]:
    out = StringIO()
    call_command("verify_events", *args, stdout=out)
    return out.getvalue().splitlines()


def test_an_empty_store_verifies_with_zero_events(ctx):
    [summary] = verify()
    assert summary.startswith("0 events decoded")


def test_a_populated_store_is_counted_per_type_and_stored_version(ctx):
    insert_fixture(ctx, "stored_events_v1.json")
    lines = verify("--batch-size", "3")
    assert "aforro.OrderRejected v1 (upcast to v2): 2" in lines
    assert "aforro.StockReceived v1: 4" in lines
    assert lines[-1].startswith("25 events decoded")


@pytest.mark.parametrize(
    "topic, state",
    [("aforro.NoSuchEvent", '{"store_id": 1}'), ("aforro.StoreOpened", '{"store_id": 1,')],
    ids=["unknown topic", "corrupt JSON"],
)
def test_an_undecodable_row_fails_naming_its_position_and_topic(ctx, topic, state):
    events = fixture_rows("stored_events_v1.json")["events"]
    insert_rows(ctx, events[:2])
    bad = {**events[0], "originator_version": 2, "topic": topic, "state": state}
    insert_rows(ctx, [bad])
    position = ctx.app.recorder.max_notification_id()  # PostgreSQL's sequence survives wipes
    with pytest.raises(CommandError, match=f"position {position} \\(topic '{topic}'\\)"):
        verify()


def test_a_batch_size_below_one_is_refused(ctx):
    with pytest.raises(CommandError, match="--batch-size must be at least 1"):
        verify("--batch-size", "0")
