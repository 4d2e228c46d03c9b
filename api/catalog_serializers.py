"""Request parsing of the staff catalog and stock endpoints."""

from __future__ import annotations

from rest_framework import serializers

from .fields import MoneyField, StrictCharField, StrictIntegerField, id_field

MAX_RECEIVE = 1_000_000


class OpenStoreSerializer(serializers.Serializer):
    name = StrictCharField(max_length=200)
    location = StrictCharField(max_length=200)


class RegisterProductSerializer(serializers.Serializer):
    title = StrictCharField(max_length=200)
    description = StrictCharField(max_length=5000, allow_blank=True, default="")
    price = MoneyField()
    category = StrictCharField(max_length=100)


class ReceiveStockSerializer(serializers.Serializer):
    product_id = id_field()
    quantity = StrictIntegerField(min_value=1, max_value=MAX_RECEIVE)
