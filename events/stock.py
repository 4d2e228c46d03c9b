"""Events of one stock item, the (store, product) pair that owns a quantity.

Every event carries the store and product ids and the quantity after it, so a projector can
upsert absolute values without looking anything up.
"""

from uuid import UUID

from .base import Event, stable_topic


@stable_topic
class StockItemOpened(Event):
    store_id: int
    product_id: int


@stable_topic
class StockReceived(Event):
    store_id: int
    product_id: int
    quantity: int
    quantity_after: int


@stable_topic
class StockItemReserved(Event):
    store_id: int
    product_id: int
    order_id: UUID
    quantity: int
    quantity_after: int


@stable_topic
class StockReleased(Event):
    """Units an order had reserved came back because the order was cancelled."""

    store_id: int
    product_id: int
    order_id: UUID
    quantity: int
    quantity_after: int


@stable_topic
class StockAdjusted(Event):
    """A staff correction (count, breakage, loss): `delta` is signed, `reason` says why."""

    store_id: int
    product_id: int
    delta: int
    reason: str
    quantity_after: int
