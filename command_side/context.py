"""What every command handler needs: the event store, writer locks, a clock, an id source and
an in-process view of the catalog. Built once by the composition root, swapped in tests."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID, uuid4

from .application import OrderingApplication
from .catalog import Product, Store
from .contention import RecentConflicts
from .errors import StoreNotFound, UnknownProducts
from .ids import product_aggregate_id, store_aggregate_id
from .locks import NoWriterLocks, WriterLocks


def utc_now() -> datetime:
    return datetime.now(UTC)


def jittered_backoff(attempt: int) -> None:
    time.sleep(random.uniform(0, min(0.05, 0.002 * 2**attempt)))


class CatalogView:
    """Stores and products by wire id. A store never changes once opened, so a hit is kept for
    the life of the process. A product can be revised by any process, so every call loads it
    through the aggregate cache, which brings cached products up to date with one query."""

    def __init__(self, app: OrderingApplication) -> None:
        self._app = app
        self._stores: dict[int, Store] = {}

    def store(self, store_id: int) -> Store:
        store = self._stores.get(store_id)
        if store is None:
            store = self._app.load(Store, store_aggregate_id(store_id))
            if store is None:
                raise StoreNotFound(store_id)
            self._stores[store_id] = store
        return store

    def products(self, product_ids: list[int]) -> dict[int, Product]:
        ids = {p: product_aggregate_id(p) for p in product_ids}
        loaded = self._app.load_many(Product, list(ids.values()))
        return known_products({p: loaded[i] for p, i in ids.items()})


def known_products(loaded: dict[int, Product | None]) -> dict[int, Product]:
    """The products by wire id; UnknownProducts naming every id that names none."""
    missing = [p for p, product in loaded.items() if product is None]
    if missing:
        raise UnknownProducts(missing)
    return {p: product for p, product in loaded.items() if product is not None}


@dataclass
class CommandContext:
    app: OrderingApplication
    locks: WriterLocks = field(default_factory=NoWriterLocks)
    clock: Callable[[], datetime] = utc_now
    new_id: Callable[[], UUID] = uuid4
    backoff: Callable[[int], None] = jittered_backoff
    max_attempts: int = 8
    recent_conflicts: RecentConflicts = field(default_factory=RecentConflicts)
    catalog: CatalogView = field(init=False)
    conflicts: int = field(default=0, init=False)  # version conflicts retried, for benchmarks

    def __post_init__(self) -> None:
        self.catalog = CatalogView(self.app)
