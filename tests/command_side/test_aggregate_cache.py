"""The aggregate cache: entries are never changed in place, and under threads both load paths
on one hot stock item never oversell.

In the threaded test one application (one aggregate cache) is shared by every thread, the way a
threaded web worker would share it. Writers go through `load_many` (place_order) and the
repository (receive_stock); readers through both. The outcome is checked afresh from the event
store, never from a cache.
"""

import random
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from command_side.catalog_commands import receive_stock
from command_side.context import CommandContext
from command_side.history import stock_history
from command_side.ids import stock_item_id
from command_side.locks import NoWriterLocks
from command_side.order import CONFIRMED
from command_side.place_order import OrderOutcome, place_order
from command_side.stock import StockItem
from events.stock import StockItemOpened, StockReceived
from tests.command_side.test_concurrency import fresh_context
from tests.command_side.test_place_order import order, stocked

pytestmark = pytest.mark.django_db

OPENING_UNITS = 20
ORDERERS, RECEIVERS, READERS = 8, 4, 4
ROUNDS = 30
HOT_ITEM = stock_item_id(1, 1)


def cache_entry(ctx: CommandContext) -> tuple[object, int, int]:
    entry = ctx.app.repository.cache.get(HOT_ITEM)
    return entry, entry.version, entry.quantity


def test_loading_through_either_path_never_changes_the_cached_object(ctx):
    stocked(ctx, {1: 10})
    ctx.app.load(StockItem, HOT_ITEM)  # warm
    for load in (
        lambda: ctx.app.load(StockItem, HOT_ITEM),
        lambda: ctx.app.load_many(StockItem, [HOT_ITEM])[HOT_ITEM],
    ):
        entry, version, quantity = cache_entry(ctx)
        receive_stock(ctx, 1, 1, 5)  # a newer event for the next load to fold
        loaded = load()
        assert (loaded.version, loaded.quantity) == (version + 1, quantity + 5)
        assert loaded is not entry
        assert (entry.version, entry.quantity) == (version, quantity)


@pytest.fixture
def frequent_thread_switches():
    """Switch threads every microsecond instead of every 5 ms, so that short pure-Python windows
    (an aggregate's state set, its version not yet) really are interleaved."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(previous)


def ordering(ctx: CommandContext, seed: int) -> list[OrderOutcome]:
    rng = random.Random(seed)
    return [place_order(ctx, order(1, (1, rng.randint(1, 3)))) for _ in range(ROUNDS)]


def receiving(ctx: CommandContext, seed: int) -> list[int]:
    rng = random.Random(seed)
    quantities = [rng.randint(1, 3) for _ in range(ROUNDS)]
    for quantity in quantities:
        receive_stock(ctx, 1, 1, quantity)
    return quantities


def reading(ctx: CommandContext, writers_done: threading.Event) -> list[tuple[int, int]]:
    """(version, quantity) of every load, through the repository, load_many and the history."""
    seen = []
    while not writers_done.is_set():
        seen.append(_seen(ctx.app.load(StockItem, HOT_ITEM)))
        seen.append(_seen(ctx.app.load_many(StockItem, [HOT_ITEM])[HOT_ITEM]))
        total, entries = stock_history(ctx, 1, 1)
        assert len(entries) == total  # the history holds every version the load saw
        seen.append((total, entries[-1].data.get("quantity_after", 0)))
    return seen


def _seen(item: StockItem) -> tuple[int, int]:
    return item.version, item.quantity


def run_threads(ctx: CommandContext) -> tuple[list, list, list]:
    """Orderers, receivers and readers released together; readers stop when writers finish."""
    writers_done = threading.Event()
    with ThreadPoolExecutor(max_workers=ORDERERS + RECEIVERS + READERS) as pool:
        readers = [pool.submit(reading, ctx, writers_done) for _ in range(READERS)]
        orderers = [pool.submit(ordering, ctx, seed) for seed in range(ORDERERS)]
        receivers = [pool.submit(receiving, ctx, seed) for seed in range(RECEIVERS)]
        try:
            outcomes = [o for future in orderers for o in future.result()]
            received = [q for future in receivers for q in future.result()]
        finally:
            writers_done.set()
        return outcomes, received, [future.result() for future in readers]


def stored_quantities() -> dict[int, int]:
    """The hot item's quantity after each stored version, checking every step on the way."""
    quantities: dict[int, int] = {}
    for event in fresh_context().app.events.get(HOT_ITEM):
        version = event.originator_version
        after = 0
        if not isinstance(event, StockItemOpened):
            sign = 1 if isinstance(event, StockReceived) else -1
            after = quantities[version - 1] + sign * event.quantity
            assert event.quantity_after == after, f"version {version} misses a step"
        assert after >= 0, f"oversold at version {version}"
        quantities[version] = after
    return quantities


@pytest.mark.postgres
def test_one_hot_item_loaded_both_ways_by_many_threads_is_never_oversold(
    ctx, frequent_thread_switches
):
    stocked(ctx, {1: OPENING_UNITS})
    # Optimistic only: no writer locks, so writers and readers race on the shared cache.
    racing = CommandContext(ctx.app, NoWriterLocks(), max_attempts=500)
    ctx.app.load(StockItem, HOT_ITEM)  # warm: every thread starts from the cached item
    outcomes, received, readers = run_threads(racing)

    quantities = stored_quantities()
    confirmed = sum(o.order.total_quantity for o in outcomes if o.order.status == CONFIRMED)
    received_total = OPENING_UNITS + sum(received)
    assert confirmed <= received_total
    assert quantities[max(quantities)] == received_total - confirmed
    for seen in readers:
        versions = [version for version, _ in seen]
        assert versions == sorted(versions), "a reader saw a version go backwards"
        torn = [(v, q) for v, q in seen if quantities[v] != q]
        assert not torn, f"a reader saw a quantity of another version: {torn[:5]}"
