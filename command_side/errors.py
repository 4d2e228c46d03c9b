"""Domain errors. They carry no HTTP knowledge: `api.errors` maps them to responses."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a command can raise for a reason the caller can fix."""


class StoreNotFound(DomainError):
    def __init__(self, store_id: int) -> None:
        super().__init__(f"Store {store_id} does not exist.")
        self.store_id = store_id


class UnknownProducts(DomainError):
    def __init__(self, product_ids: list[int]) -> None:
        ids = ", ".join(str(i) for i in product_ids)
        super().__init__(f"Unknown product id(s): {ids}.")
        self.product_ids = product_ids


class AlreadyExists(DomainError):
    def __init__(self, what: str) -> None:
        super().__init__(f"{what} already exists.")
        self.what = what


class IdempotencyKeyReused(DomainError):
    def __init__(self) -> None:
        super().__init__("This Idempotency-Key was already used with a different request body.")


class InvalidQuantity(DomainError):
    def __init__(self, quantity: int) -> None:
        super().__init__(f"Quantity must be at least 1, got {quantity}.")
        self.quantity = quantity


class OrderNotCancellable(DomainError):
    """Only a confirmed order can be cancelled: a rejected one reserved nothing."""

    def __init__(self, order_id: object, status: str) -> None:
        super().__init__(f"Order {order_id} is {status}; only a CONFIRMED order can be cancelled.")
        self.order_id, self.status = order_id, status


class OrderNotFound(DomainError):
    def __init__(self, order_id: object) -> None:
        super().__init__(f"Order {order_id} does not exist.")
        self.order_id = order_id


class ConcurrencyExhausted(DomainError):
    """Too many concurrent writers on the same stock; the caller may retry shortly."""

    def __init__(self, attempts: int) -> None:
        super().__init__(f"Gave up after {attempts} conflicting attempts; retry shortly.")
        self.attempts = attempts


class ProductNotFound(DomainError):
    def __init__(self, product_id: int) -> None:
        super().__init__(f"Product {product_id} does not exist.")
        self.product_id = product_id


class StockItemNotFound(DomainError):
    def __init__(self, store_id: int, product_id: int) -> None:
        super().__init__(f"Store {store_id} has never stocked product {product_id}.")
        self.store_id, self.product_id = store_id, product_id


class StockWouldGoNegative(DomainError):
    def __init__(self, quantity: int, delta: int) -> None:
        super().__init__(f"An adjustment of {delta} would take the quantity {quantity} below 0.")
        self.quantity, self.delta = quantity, delta
