"""Deterministic aggregate ids: uuid5 of a natural key, so the event store itself refuses a
second store, product or stock item with the same key (a version conflict, not a duplicate)."""

from uuid import UUID, uuid5

NAMESPACE = UUID("6f1c2a4e-9b7d-5e3a-8c21-0a4f7e9d3b15")


def store_aggregate_id(store_id: int) -> UUID:
    return uuid5(NAMESPACE, f"store:{store_id}")


def product_aggregate_id(product_id: int) -> UUID:
    return uuid5(NAMESPACE, f"product:{product_id}")


def stock_item_id(store_id: int, product_id: int) -> UUID:
    return uuid5(NAMESPACE, f"stock:{store_id}:{product_id}")


def order_id_for_idempotency_key(key: str) -> UUID:
    """The same Idempotency-Key always names the same order, so a retry cannot create another."""
    return uuid5(NAMESPACE, f"order-key:{key}")
