"""Input validation of `POST /orders/`, with the service's rules (docs/api-reference.md)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

MAX_ID = 2_147_483_647


class StrictIntegerField(serializers.IntegerField):
    """JSON integers only: "2", 2.5 and true are refused."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class OrderItemSerializer(serializers.Serializer):
    product_id = StrictIntegerField(min_value=1, max_value=MAX_ID)
    quantity_requested = StrictIntegerField(min_value=1, max_value=1_000_000)


class PlaceOrderSerializer(serializers.Serializer):
    store_id = StrictIntegerField(min_value=1, max_value=MAX_ID)
    items = serializers.ListField(child=OrderItemSerializer(), min_length=1, max_length=100)

    def validate_items(self, items: list[dict[str, int]]) -> list[dict[str, int]]:
        ids = [item["product_id"] for item in items]
        if len(set(ids)) != len(ids):
            raise serializers.ValidationError("The same product_id twice: combine the quantities.")
        return items
