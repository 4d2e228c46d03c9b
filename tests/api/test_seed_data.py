"""`manage.py seed_data` against the real event store, and the catalog generator behind it."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from api.seed_catalog import CATEGORIES, SeedSizes, build_catalog, curated_titles
from command_side.catalog import Product, Store
from command_side.ids import product_aggregate_id, stock_item_id, store_aggregate_id
from command_side.stock import StockItem

pytestmark = pytest.mark.django_db

SMALL = {"stores": 3, "products": 40, "stock_per_store": 10, "seed": 7, "batch_size": 16}


def seed(**options: object) -> str:
    out = StringIO()
    call_command("seed_data", stdout=out, stderr=StringIO(), **{**SMALL, **options})
    return out.getvalue()


def head(ctx) -> int:
    return ctx.app.recorder.max_notification_id() or 0


def test_seed_appends_every_store_product_and_stock_item_to_the_event_store(ctx):
    seed()
    catalog = build_catalog(SeedSizes(3, 40, 10, seed=7))
    for spec in catalog.stores:
        store = ctx.app.load(Store, store_aggregate_id(spec.store_id))
        assert (store.name, store.location) == (spec.name, spec.location)
    for spec in catalog.products:
        product = ctx.app.load(Product, product_aggregate_id(spec.product_id))
        assert (product.title, product.price, product.category) == (
            spec.title,
            spec.price,
            spec.category,
        )
    for spec in catalog.stock:
        item = ctx.app.load(StockItem, stock_item_id(spec.store_id, spec.product_id))
        assert item.quantity == spec.quantity
    assert ctx.app.load(Store, store_aggregate_id(4)) is None
    assert ctx.app.load(Product, product_aggregate_id(41)) is None


def test_seed_reports_aggregates_and_events_it_appended(ctx):
    before = head(ctx)
    output = seed()
    # 3 stores + 40 products + 30 stock items; a stock item is opened and then receives stock.
    assert "Appended 73 aggregates" in output
    assert f"{head(ctx) - before} events" in output
    assert head(ctx) - before >= 3 + 40 + 2 * 30


def test_store_1_stocks_product_1_for_the_readme_sample_order(ctx):
    seed()
    item = ctx.app.load(StockItem, stock_item_id(1, 1))
    assert item.quantity >= 100


def test_rerun_appends_nothing_and_reports_everything_as_existing(ctx):
    seed()
    before = head(ctx)
    output = seed()
    assert head(ctx) == before
    assert "stores: 0 created, 3 already existed" in output
    assert "stock items: 0 created, 30 already existed" in output


def test_larger_rerun_creates_only_what_is_missing(ctx):
    seed(stores=2)
    output = seed(stores=3)
    assert "stores: 1 created, 2 already existed" in output
    assert "products: 0 created, 40 already existed" in output
    assert ctx.app.load(Store, store_aggregate_id(3)) is not None


def test_if_empty_skips_when_store_1_exists(ctx):
    seed()
    before = head(ctx)
    output = seed(stores=5, if_empty=True)
    assert "nothing seeded" in output
    assert head(ctx) == before
    assert ctx.app.load(Store, store_aggregate_id(4)) is None


def test_if_empty_seeds_an_empty_event_store(ctx):
    seed(if_empty=True)
    assert ctx.app.load(Store, store_aggregate_id(1)) is not None


@pytest.mark.parametrize(
    "options",
    [
        {"stock_per_store": 41},
        {"stores": 0},
        {"categories": len(CATEGORIES) + 1},
        {"batch_size": 0},
    ],
)
def test_invalid_sizes_are_refused_before_anything_is_appended(ctx, options):
    with pytest.raises(CommandError):
        seed(**options)
    assert head(ctx) == 0


@pytest.mark.unit
def test_same_seed_gives_identical_catalog_and_another_seed_other_titles():
    first, again = build_catalog(SeedSizes(seed=5)), build_catalog(SeedSizes(seed=5))
    assert first == again
    other = build_catalog(SeedSizes(seed=6))
    assert [p.title for p in first.products] != [p.title for p in other.products]
    assert first.stock != other.stock


@pytest.mark.unit
def test_curated_grocery_titles_come_first_and_span_the_categories():
    titles = [title for _, title in curated_titles()]
    assert len(titles) >= 150
    assert titles[:4] == ["Milk 1L", "Brown Bread", "Green Tea 20 bags", "Dark Chocolate 70%"]
    small = build_catalog(SeedSizes(3, 40, 10))
    assert {p.category for p in small.products} == {c.name for c in CATEGORIES}
    assert small.products[0].title == "Milk 1L"


@pytest.mark.unit
def test_default_catalog_contains_every_curated_title_and_answers_common_searches():
    titles = [p.title for p in build_catalog(SeedSizes()).products]
    assert {title for _, title in curated_titles()} <= set(titles)
    assert len(set(titles)) == len(titles)
    for query in ("milk", "brown bread", "tea", "chocolate", "cheddar cheese"):
        assert sum(query in title.lower() for title in titles) >= 2, query


@pytest.mark.unit
def test_default_sizes_meet_the_brief():
    catalog = build_catalog(SeedSizes())
    assert len({p.category for p in catalog.products}) >= 10
    assert [p.product_id for p in catalog.products] == list(range(1, len(catalog.products) + 1))
    assert len(catalog.products) >= 1000
    assert [s.store_id for s in catalog.stores] == list(range(1, len(catalog.stores) + 1))
    assert len(catalog.stores) >= 20
    assert all(s.name and s.location for s in catalog.stores)
    stocked = defaultdict(set)
    for item in catalog.stock:
        assert 1 <= item.quantity <= 500
        stocked[item.store_id].add(item.product_id)
    assert min(len(products) for products in stocked.values()) >= 300
    assert len(catalog.stock) == sum(len(products) for products in stocked.values())
    for product in catalog.products:
        assert product.price.as_tuple().exponent == -2 and product.price > Decimal(0)
        assert product.category.lower() in product.description
