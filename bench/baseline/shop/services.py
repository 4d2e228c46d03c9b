"""place_order the conventional way: lock the stock rows (in id order, so no deadlocks), check,
decrement and record the order in one transaction; all lines or none."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from . import inventory_cache
from .errors import IdempotencyKeyReused, StoreNotFound, UnknownProducts
from .models import Order, OrderItem, Product, Stock, Store

Line = tuple[int, int]  # (product_id, quantity)


@dataclass
class Placed:
    order: Order
    items: list[OrderItem]
    replayed: bool = False


def place_order(store_id: int, lines: list[Line], key: str | None = None) -> Placed:
    fingerprint = hashlib.sha256(json.dumps([store_id, lines]).encode()).hexdigest()
    if key and (earlier := _earlier(key, fingerprint)):
        return earlier
    if not Store.objects.filter(pk=store_id).exists():
        raise StoreNotFound(store_id)
    ids = [product_id for product_id, _ in lines]
    titles = dict(Product.objects.filter(pk__in=ids).values_list("id", "title"))
    missing = [product_id for product_id in ids if product_id not in titles]
    if missing:
        raise UnknownProducts(missing)
    try:
        with transaction.atomic():
            return _reserve_and_record(store_id, lines, titles, key, fingerprint)
    except IntegrityError:
        # Two requests with one Idempotency-Key: the loser answers with the winner's order.
        if key and (earlier := _earlier(key, fingerprint)):
            return earlier
        raise


def _reserve_and_record(
    store_id: int, lines: list[Line], titles: dict[int, str], key: str | None, fingerprint: str
) -> Placed:
    rows = Stock.objects.select_for_update().filter(
        store_id=store_id, product_id__in=[product_id for product_id, _ in lines]
    )
    stock = {row.product_id: row for row in rows.order_by("id")}
    reasons = [
        {
            "product_id": pid,
            "requested": qty,
            "available": stock[pid].quantity if pid in stock else 0,
        }
        for pid, qty in lines
        if pid not in stock or stock[pid].quantity < qty
    ]
    if not reasons:
        for pid, qty in lines:
            stock[pid].quantity -= qty
        Stock.objects.bulk_update(list(stock.values()), ["quantity"])
        transaction.on_commit(lambda: inventory_cache.invalidate(store_id))
    order = Order.objects.create(
        store_id=store_id,
        status=Order.REJECTED if reasons else Order.CONFIRMED,
        rejection_reasons=reasons,
        idempotency_key=key,
        request_fingerprint=fingerprint,
    )
    items = OrderItem.objects.bulk_create(
        OrderItem(order=order, product_id=pid, product_title=titles[pid], quantity_requested=qty)
        for pid, qty in lines
    )
    return Placed(order, items)


def _earlier(key: str, fingerprint: str) -> Placed | None:
    order = Order.objects.filter(idempotency_key=key).first()
    if order is None:
        return None
    if order.request_fingerprint != fingerprint:
        raise IdempotencyKeyReused(key)
    return Placed(order, list(order.items.order_by("id")), replayed=True)
