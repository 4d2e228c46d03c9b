"""The benchmark dataset both systems start from: the seed catalog (api.seed_catalog, same
sizes and seed) with every stock item topped up so no order runs short during a benchmark.

Pure (no Django): the orchestrator, the event-sourced tools and the baseline seeder share it.
"""

from __future__ import annotations

from functools import lru_cache

from api.seed_catalog import SeedCatalog, SeedSizes, build_catalog

SIZES = SeedSizes(stores=2, products=1000, stock_per_store=1000, seed=7)
TOP_UP = 1_000_000  # units added to every stock item after seeding (receive_stock)
ORDER_STORE = 1  # every order scenario orders from this store; it stocks all products
HOT_PRODUCT = 1  # the one item the contention scenario hammers


def seed_data_args() -> list[str]:
    """`manage.py seed_data` options that build exactly this catalog."""
    return [
        f"--stores={SIZES.stores}",
        f"--products={SIZES.products}",
        f"--stock-per-store={SIZES.stock_per_store}",
        f"--seed={SIZES.seed}",
    ]


@lru_cache(maxsize=1)
def catalog() -> SeedCatalog:
    return build_catalog(SIZES)


def initial_stock() -> dict[tuple[int, int], int]:
    """(store_id, product_id) -> units on hand before the first benchmark order."""
    return {(s.store_id, s.product_id): s.quantity + TOP_UP for s in catalog().stock}
