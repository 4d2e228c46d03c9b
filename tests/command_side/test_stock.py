"""StockItem and Product: their cheap copy (load_many copies cached aggregates for every order)
is a real copy."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

from command_side.catalog import Product
from command_side.stock import StockItem

NOW = datetime(2026, 11, 30, tzinfo=UTC)


def test_a_copied_stock_item_changes_without_touching_the_original():
    original = StockItem.open(1, 2, NOW)
    original.receive(10, NOW)
    original.collect_events()
    clone = copy.deepcopy(original)
    clone.reserve(uuid4(), 4, NOW)
    assert (original.quantity, original.version, original.collect_events()) == (10, 2, [])
    assert (clone.quantity, clone.version, len(clone.collect_events())) == (6, 3, 1)
    assert (clone.id, clone.store_id, clone.product_id) == (original.id, 1, 2)


def test_a_copy_keeps_its_own_list_of_pending_events():
    original = StockItem.open(1, 2, NOW)
    clone = copy.deepcopy(original)
    clone.receive(5, NOW)
    assert len(original.collect_events()) == 1
    assert len(clone.collect_events()) == 2


def test_a_copied_product_is_revised_without_touching_the_original():
    original = Product.register(3, "Milk 1L", "Fresh", Decimal("1.20"), "dairy", NOW)
    original.collect_events()
    clone = copy.deepcopy(original)
    clone.revise({"title": "Milk 2L", "price": Decimal("2.10")}, NOW)
    assert (original.title, original.price, original.version) == ("Milk 1L", Decimal("1.20"), 1)
    assert (clone.title, clone.price, clone.version) == ("Milk 2L", Decimal("2.10"), 2)
    assert original.collect_events() == [] and len(clone.collect_events()) == 1
