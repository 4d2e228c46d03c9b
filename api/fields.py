"""Strict input fields: JSON numbers only, so "2", 2.5, true and null are refused by name."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

MAX_ID = 2_147_483_647


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
