"""Events of an order: placed, then either stock reserved (confirmed) or rejected.

`lines` are dicts {"product_id", "product_title", "unit_price", "quantity_requested"}, captured
when the order was placed so history never depends on later catalog changes.
"""

from .base import Event, stable_topic


@stable_topic
class OrderPlaced(Event):
    store_id: int
    lines: list
    request_fingerprint: str


@stable_topic
class StockReserved(Event):
    store_id: int
    lines: list


NOT_STOCKED = "NOT_STOCKED"
INSUFFICIENT_STOCK = "INSUFFICIENT_STOCK"


@stable_topic
class OrderRejected(Event):
    """`reasons` are dicts {"product_id", "requested", "available", "code"}: `code` is
    NOT_STOCKED (the store has no stock item of the product) or INSUFFICIENT_STOCK."""

    store_id: int
    reasons: list

    class_version = 2

    @staticmethod
    def upcast_v1_v2(state: dict) -> None:
        """v1 reasons had no code. `available == 0` cannot tell a product never stocked from
        one sold out, so every v1 reason becomes INSUFFICIENT_STOCK: true in both cases."""
        for reason in state["reasons"]:
            reason.setdefault("code", INSUFFICIENT_STOCK)


@stable_topic
class OrderCancelled(Event):
    """A confirmed order called off; its stock items record a StockReleased each, same append."""

    store_id: int
    reason: str
