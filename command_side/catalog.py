"""Store and Product aggregates: a store never changes; a product can be revised."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import singledispatchmethod
from typing import Any

from events.catalog import ProductRegistered, ProductRevised, StoreOpened

from .aggregate import Aggregate, ScalarState
from .ids import product_aggregate_id, store_aggregate_id


class Store(ScalarState, Aggregate):
    store_id: int
    name: str
    location: str

    @classmethod
    def open(cls, store_id: int, name: str, location: str, now: datetime) -> Store:
        store = cls(store_aggregate_id(store_id))
        store._record(StoreOpened, now, store_id=store_id, name=name, location=location)
        return store

    @singledispatchmethod
    def when(self, event: object) -> None:
        raise NotImplementedError(type(event))

    @when.register
    def _(self, event: StoreOpened) -> None:
        self.store_id, self.name, self.location = event.store_id, event.name, event.location


REVISABLE = ("title", "description", "price", "category")


class Product(ScalarState, Aggregate):
    product_id: int
    title: str
    description: str
    price: Decimal
    category: str

    @classmethod
    def register(
        cls,
        product_id: int,
        title: str,
        description: str,
        price: Decimal,
        category: str,
        now: datetime,
    ) -> Product:
        product = cls(product_aggregate_id(product_id))
        product._record(
            ProductRegistered,
            now,
            product_id=product_id,
            title=title,
            description=description,
            price=price,
            category=category,
        )
        return product

    def revise(self, changes: dict[str, Any], now: datetime) -> bool:
        """Record the fields of `changes` that differ from the current ones; False if none."""
        unknown = set(changes) - set(REVISABLE)
        if unknown:
            raise ValueError(f"not revisable: {sorted(unknown)}")
        changed = {k: v for k, v in changes.items() if getattr(self, k) != v}
        if not changed:
            return False
        fields = {name: changed.get(name) for name in REVISABLE}
        self._record(ProductRevised, now, product_id=self.product_id, **fields)
        return True

    @singledispatchmethod
    def when(self, event: object) -> None:
        raise NotImplementedError(type(event))

    @when.register
    def _(self, event: ProductRegistered) -> None:
        self.product_id, self.title = event.product_id, event.title
        self.description, self.price, self.category = event.description, event.price, event.category

    @when.register
    def _(self, event: ProductRevised) -> None:
        for name in REVISABLE:
            value = getattr(event, name)
            if value is not None:
                setattr(self, name, value)
