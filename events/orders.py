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


@stable_topic
class OrderRejected(Event):
    store_id: int
    reasons: list


@stable_topic
class OrderCancelled(Event):
    """A confirmed order called off; its stock items record a StockReleased each, same append."""

    store_id: int
    reason: str
