"""Request parsing and response bodies of the order endpoints (docs/api-reference.md)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.settings import api_settings

from command_side.order import Order, OrderLine
from command_side.place_order import OrderOutcome, PlaceOrder

from .fields import StrictCharField, StrictIntegerField, id_field

MAX_LINES = 100
MAX_QUANTITY = 1_000_000
MAX_IDEMPOTENCY_KEY = 200
MAX_CANCELLATION_REASON = 200


class OrderItemSerializer(serializers.Serializer):
    product_id = id_field()
    quantity_requested = StrictIntegerField(min_value=1, max_value=MAX_QUANTITY)


@extend_schema_field(OrderItemSerializer)
class OrderItemField(serializers.Field):
    """One line, validated by OrderItemSerializer's own fields with its error shape, without a
    nested serializer: DRF deep-copies a serializer's fields on every request. The line fields
    are shared: validating keeps no state in them."""

    LINE_FIELDS = OrderItemSerializer().fields
    default_error_messages = {"invalid": serializers.Serializer.default_error_messages["invalid"]}

    def to_internal_value(self, data: Any) -> dict[str, int]:
        if not isinstance(data, Mapping):
            message = self.error_messages["invalid"].format(datatype=type(data).__name__)
            raise serializers.ValidationError(
                {api_settings.NON_FIELD_ERRORS_KEY: [message]}, code="invalid"
            )
        line, errors = {}, {}
        for name, field in self.LINE_FIELDS.items():
            try:
                line[name] = field.run_validation(data.get(name, empty))
            except serializers.ValidationError as error:
                errors[name] = error.detail
        if errors:
            raise serializers.ValidationError(errors)
        return line


class PlaceOrderSerializer(serializers.Serializer):
    store_id = id_field()
    items = serializers.ListField(
        child=OrderItemField(), min_length=1, max_length=MAX_LINES, allow_empty=False
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


class CancelOrderSerializer(serializers.Serializer):
    reason = StrictCharField(
        required=False, allow_blank=True, trim_whitespace=False, max_length=MAX_CANCELLATION_REASON
    )


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
        "cancelled_at": iso_utc(order.cancelled_at) if order.cancelled_at else None,
        "cancellation_reason": order.cancellation_reason,
        "position": position,
    }


def outcome_body(outcome: OrderOutcome) -> dict[str, Any]:
    return order_body(outcome.order, outcome.position)
