"""Rebuilding read tables from position 0 reproduces the live tables row for row, and the
zero-downtime rebuild keeps the old rows visible to other connections until it commits."""

import contextlib
import random
from decimal import Decimal

import psycopg
import pytest

from command_side.catalog_commands import adjust_stock, revise_product
from command_side.errors import StockWouldGoNegative
from events.config import event_store_config, event_store_reader, postgres_conninfo
from projections.catch_up import catch_up
from projections.registry import select
from projections.replay import rebuild, rebuild_in_place
from projections.source import EventSource
from query_side.models import CategoryRow, InventoryRow, OrderLineRow, OrderRow, ProductRow

from .workload import head, random_step, random_workload, snapshot_read_tables, stored_events

pytestmark = pytest.mark.django_db


def ignore_progress(processed: int) -> None:
    pass


def live_tables_after(ctx, batch_size: int) -> dict:
    catch_up(select(None), batch_size=batch_size)
    return snapshot_read_tables()


def assert_workload_is_varied() -> None:
    """Guard against a vacuous comparison: both outcomes, several stores, stock in and out."""
    assert set(OrderRow.objects.values_list("status", flat=True)) == {"CONFIRMED", "REJECTED"}
    assert OrderRow.objects.values("store_id").distinct().count() >= 3
    assert OrderRow.objects.count() >= 250 and OrderLineRow.objects.exists()
    assert InventoryRow.objects.filter(quantity=0).exists()
    assert InventoryRow.objects.filter(quantity__gt=0).exists()


def test_rebuilding_every_projection_reproduces_the_live_tables_row_for_row(ctx):
    random_workload(ctx, seed=11, steps=320)
    live = live_tables_after(ctx, batch_size=7)
    assert_workload_is_varied()
    source = EventSource(event_store_reader())
    for projector in select(None):
        result = rebuild(projector, source, 13, ignore_progress)
        assert result.position == head(ctx)
    assert snapshot_read_tables() == live


def test_rebuilding_in_place_reproduces_the_live_tables_row_for_row(ctx):
    random_workload(ctx, seed=12, steps=300)
    live = live_tables_after(ctx, batch_size=7)
    source = EventSource(event_store_reader())
    for projector in select(None):
        rebuild_in_place(projector, source, 500, ignore_progress)
    assert snapshot_read_tables() == live


def test_rebuild_reports_progress_that_adds_up_to_every_event(ctx):
    random_workload(ctx, seed=13, steps=40)
    source = EventSource(event_store_reader())
    for projector in select(None):
        steps: list[int] = []
        result = rebuild(projector, source, 9, steps.append)
        assert sum(steps) == result.events == stored_events(ctx)
        assert result.position == head(ctx)
        assert len(steps) > 1


def test_projections_resume_after_a_rebuild_without_folding_anything_twice(ctx):
    catalog = random_workload(ctx, seed=14, steps=120)
    catch_up(select(None), batch_size=7)
    source = EventSource(event_store_reader())
    for projector in select(None):
        rebuild(projector, source, 5, ignore_progress)
    rng = random.Random(15)
    for _ in range(60):
        random_step(ctx, rng, catalog)
    catch_up(select(None), batch_size=7)
    live = snapshot_read_tables()
    assert len(live["read_order"]) == len(catalog.outcomes)
    for projector in select(None):
        rebuild(projector, source, 500, ignore_progress)
    assert snapshot_read_tables() == live


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_rebuild_keeps_the_old_rows_visible_to_other_connections_until_it_commits(ctx):
    random_workload(ctx, seed=16, steps=80)
    catch_up(select(None))
    before = OrderRow.objects.count()
    store_orders = select(["store_orders"])[0]
    seen_mid_rebuild: list[tuple[int, int]] = []
    conninfo = postgres_conninfo(event_store_config())
    with psycopg.connect(conninfo, autocommit=True) as other:

        def count_from_the_other_connection() -> int:
            return other.execute("SELECT count(*) FROM read_order").fetchone()[0]

        def progress(processed: int) -> None:
            if not seen_mid_rebuild:
                seen_mid_rebuild.append(
                    (OrderRow.objects.count(), count_from_the_other_connection())
                )

        source = EventSource(event_store_reader())
        rebuild(store_orders, source, 5, progress)
        after = count_from_the_other_connection()
    inside, outside = seen_mid_rebuild[0]
    assert inside < before, "the progress callback should run while the tables are partial"
    assert outside == before
    assert after == before


def revise_and_adjust(ctx, rng: random.Random, catalog, step: int) -> None:
    """A revision (sometimes into a new category) or an adjustment, between orders."""
    product_id = rng.choice(catalog.product_ids)
    if step % 2:
        changes = {"title": f"Revised {step}", "price": Decimal(rng.randrange(50, 900)) / 100}
        if step % 3 == 0:
            changes["category"] = f"Category {step}"
        revise_product(ctx, product_id, changes)
        return
    store_id, item = rng.choice(sorted(catalog.stocked))
    with contextlib.suppress(StockWouldGoNegative):  # a refused adjustment records nothing
        adjust_stock(ctx, store_id, item, rng.choice([-4, -1, 2, 7]), f"recount {step}")


def test_a_rebuild_reproduces_the_live_tables_with_revisions_and_adjustments_in_the_log(ctx):
    catalog = random_workload(ctx, seed=21, steps=60)
    rng = random.Random(22)
    for step in range(40):
        revise_and_adjust(ctx, rng, catalog, step)
        random_step(ctx, rng, catalog)
        if step % 10 == 0:
            catch_up(select(None), batch_size=3)  # live batches split where a rebuild's do not
    live = live_tables_after(ctx, batch_size=5)
    assert any(row.revised_position for row in ProductRow.objects.all())
    assert CategoryRow.objects.filter(name__startswith="Category").exists()
    source = EventSource(event_store_reader())
    for projector in select(None):
        rebuild(projector, source, 500, ignore_progress)
    assert snapshot_read_tables() == live
