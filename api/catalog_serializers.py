"""Request parsing of the staff catalog and stock endpoints."""

from __future__ import annotations

from rest_framework import serializers

from .fields import MoneyField, StrictCharField, StrictIntegerField, id_field

MAX_RECEIVE = 1_000_000
MAX_ADJUST = 1_000_000


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


class ReviseProductSerializer(serializers.Serializer):
    """Any of the registration fields, with the same limits; no other field."""

    title = StrictCharField(max_length=200, required=False)
    description = StrictCharField(max_length=5000, allow_blank=True, required=False)
    price = MoneyField(required=False)
    category = StrictCharField(max_length=100, required=False)

    def validate(self, attrs: dict) -> dict:
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return attrs


class AdjustStockSerializer(serializers.Serializer):
    delta = StrictIntegerField(min_value=-MAX_ADJUST, max_value=MAX_ADJUST)
    reason = StrictCharField(min_length=1, max_length=200, trim_whitespace=False)

    def validate_delta(self, value: int) -> int:
        if value == 0:
            raise serializers.ValidationError("Must not be zero.")
        return value
