"""PlaceOrderSerializer validates order lines with a light field instead of a nested serializer;
it must accept, refuse and word its errors exactly as the nested serializer it replaced."""

from __future__ import annotations

import itertools
import json

import pytest
from rest_framework import serializers

from api.fields import id_field
from api.order_serializers import MAX_LINES, OrderItemSerializer, PlaceOrderSerializer


class NestedPlaceOrderSerializer(serializers.Serializer):
    """The reference: the same request validated by DRF's nested serializer."""

    store_id = id_field()
    items = serializers.ListField(
        child=OrderItemSerializer(), min_length=1, max_length=MAX_LINES, allow_empty=False
    )
    validate_items = PlaceOrderSerializer.validate_items


GOOD = {"product_id": 3, "quantity_requested": 2}
LINE_VALUES = [1, 7, 0, -1, 1_000_000, 1_000_001, 2**31, "2", 2.0, 2.5, True, None, [], {}]
BAD_LINES = [
    5,
    "line",
    None,
    [GOOD],
    {},
    {"product_id": 3},
    {"quantity_requested": 2},
    {**GOOD, "unknown": "ignored"},
    *({"product_id": p, "quantity_requested": q} for p, q in itertools.product(LINE_VALUES, [2])),
    *({"product_id": 3, "quantity_requested": q} for q in LINE_VALUES),
]


def bodies():
    yield {"store_id": 1, "items": [GOOD]}
    yield {"store_id": 1, "items": [{"product_id": p, "quantity_requested": 1} for p in (1, 2, 3)]}
    yield {"store_id": 1, "items": [GOOD, GOOD]}  # the same product twice
    yield {
        "store_id": 1,
        "items": [{"product_id": p, "quantity_requested": 1} for p in range(1, 102)],
    }
    for items in ([], None, "items", {"0": GOOD}, 3):
        yield {"store_id": 1, "items": items}
    yield {"store_id": 1}
    yield {"items": [GOOD]}
    for line in BAD_LINES:
        yield {"store_id": 1, "items": [GOOD, line]}
        yield {"store_id": "1", "items": [line]}


def outcome(serializer_class, body):
    serializer = serializer_class(data=body)
    if serializer.is_valid():
        return "valid", json.loads(json.dumps(serializer.validated_data))
    return "invalid", json.loads(json.dumps(serializer.errors))


@pytest.mark.parametrize("body", list(bodies()), ids=lambda body: json.dumps(body)[:60])
def test_place_order_body_is_judged_exactly_as_by_a_nested_serializer(body):
    assert outcome(PlaceOrderSerializer, body) == outcome(NestedPlaceOrderSerializer, body)


def test_an_invalid_line_names_its_index_and_field():
    body = {"store_id": 1, "items": [GOOD, {"product_id": "3", "quantity_requested": 0}]}
    kind, errors = outcome(PlaceOrderSerializer, body)
    assert kind == "invalid"
    assert set(errors["items"]["1"]) == {"product_id", "quantity_requested"}
