"""Request parsing and response bodies of the order endpoints (API.md, `POST /orders/`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rest_framework import serializers

from command_side.order import Order, OrderLine
from command_side.place_order import OrderOutcome, PlaceOrder

from .fields import StrictIntegerField, id_field

MAX_LINES = 100
MAX_QUANTITY = 1_000_000
MAX_IDEMPOTENCY_KEY = 200


class OrderItemSerializer(serializers.Serializer):
    product_id = id_field()
    quantity_requested = StrictIntegerField(min_value=1, max_value=MAX_QUANTITY)


class PlaceOrderSerializer(serializers.Serializer):
    store_id = id_field()
    items = serializers.ListField(
        child=OrderItemSerializer(), min_length=1, max_length=MAX_LINES, allow_empty=False
    )

    def validate_items(self, items: list[dict[str, int]]) -> list[dict[str, int]]:
        seen: set[int] = set()
        for item in items:
            if item["product_id"] in seen:
                raise serializers.ValidationError(
                    f"Product {item['product_id']} appears more than once; "
                    "combine the quantities in one line."
                )
            seen.add(item["product_id"])
        return items

    def to_command(self, idempotency_key: str | None) -> PlaceOrder:
        data = self.validated_data
        lines = tuple(OrderLine(i["product_id"], i["quantity_requested"]) for i in data["items"])
        return PlaceOrder(data["store_id"], lines, idempotency_key)


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def order_body(order: Order, position: int) -> dict[str, Any]:
    return {
        "id": str(order.id),
        "store_id": order.store_id,
        "status": order.status,
        "created_at": iso_utc(order.created_at),
        "items": [
            {
                "product_id": line["product_id"],
                "product_title": line["product_title"],
                "quantity_requested": line["quantity_requested"],
            }
            for line in order.lines
        ],
        "total_items": len(order.lines),
        "total_quantity": order.total_quantity,
        "rejection_reasons": order.rejection_reasons,
        "position": position,
    }


def outcome_body(outcome: OrderOutcome) -> dict[str, Any]:
    return order_body(outcome.order, outcome.position)
