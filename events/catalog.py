"""Events of the catalog: stores and products. Ids on the wire are integers."""

from decimal import Decimal

from .base import Event, stable_topic


@stable_topic
class StoreOpened(Event):
    store_id: int
    name: str
    location: str


@stable_topic
class ProductRegistered(Event):
    product_id: int
    title: str
    description: str
    price: Decimal
    category: str


@stable_topic
class IdsAllocated(Event):
    """Integer ids of one kind ("store", "product") are in use up to `last_id`."""

    kind: str
    last_id: int


@stable_topic
class ProductRevised(Event):
    """Only the fields that changed carry a value; None means "unchanged"."""

    product_id: int
    title: str | None
    description: str | None
    price: Decimal | None
    category: str | None
