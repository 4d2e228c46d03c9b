"""Strict input fields: JSON types as documented, never DRF's silent coercion."""

from __future__ import annotations

import pytest
from rest_framework import serializers

from api.fields import MoneyField, StrictCharField

pytestmark = pytest.mark.unit


class Product(serializers.Serializer):
    title = StrictCharField(max_length=5)
    price = MoneyField()


def errors(data: dict) -> dict:
    serializer = Product(data=data)
    serializer.is_valid()
    return serializer.errors


@pytest.mark.parametrize("price", ["0", "12.5", "12.50", "99999999.99"])
def test_a_decimal_string_of_up_to_eight_and_two_digits_is_a_price(price):
    assert errors({"title": "Milk", "price": price}) == {}


@pytest.mark.parametrize(
    "price", [0.99, 1, "-1", "+1", "1e2", " 1.00", "1.001", "123456789", "", "\uff11", "NaN", None]
)
def test_anything_else_is_refused_by_name(price):
    assert list(errors({"title": "Milk", "price": price})) == ["price"]


@pytest.mark.parametrize("title", [0, 1.5, True, ["Milk"], {"t": 1}])
def test_a_text_field_takes_only_a_json_string(title):
    assert list(errors({"title": title, "price": "1.00"})) == ["title"]


def test_the_maximum_length_counts_the_characters_as_sent_before_trimming():
    assert errors({"title": " Milk", "price": "1.00"}) == {}
    assert list(errors({"title": "\fMilk ", "price": "1.00"})) == ["title"]
