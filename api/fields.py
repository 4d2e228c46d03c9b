"""Strict input fields: JSON integers, strings and money strings only, so "2" for an integer,
0 for a string or 0.99 for a price are refused by name (DRF would coerce them)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

MAX_ID = 2_147_483_647
MONEY = re.compile(r"[0-9]{1,8}(\.[0-9]{1,2})?")


class StrictIntegerField(serializers.IntegerField):
    default_error_messages = {
        "invalid": "Must be a JSON integer (no strings, fractions or booleans)."
    }

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


def id_field(**kwargs: Any) -> StrictIntegerField:
    return StrictIntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class StrictCharField(serializers.CharField):
    """A JSON string only (DRF's CharField would quietly turn 0 into "0"), at most max_length
    characters as sent: DRF measures after trimming spaces, the schema before."""

    default_error_messages = {"invalid": "Must be a JSON string."}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        if self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


@extend_schema_field({"type": "string", "pattern": f"^{MONEY.pattern}$", "example": "12.50"})
class MoneyField(serializers.DecimalField):
    """Money as a decimal string (`"12.50"`, docs/api-reference.md, Values): a JSON number (a
    binary float), an exponent, a sign or spaces are refused, so what the schema documents is
    what passes."""

    default_error_messages = {"invalid": 'Must be a decimal string such as "12.50".'}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_digits=10, decimal_places=2, **kwargs)

    def to_internal_value(self, data: Any) -> Decimal:
        if not isinstance(data, str) or not MONEY.fullmatch(data):
            self.fail("invalid")
        return super().to_internal_value(data)
