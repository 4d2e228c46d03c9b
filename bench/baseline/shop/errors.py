"""Errors of the baseline: domain exceptions and the problem+json shape of docs/api-reference.md."""

from __future__ import annotations

from typing import Any

from rest_framework.views import exception_handler


class StoreNotFound(Exception):
    pass


class UnknownProducts(Exception):
    def __init__(self, product_ids: list[int]) -> None:
        super().__init__(product_ids)
        self.product_ids = product_ids


class IdempotencyKeyReused(Exception):
    pass


def _fields(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {"items[0].quantity_requested": ["..."]}."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = f"{prefix}[{key}]" if isinstance(key, int) else f"{prefix}.{key}".strip(".")
            for field, messages in _fields(value, name).items():
                flat.setdefault(field, []).extend(messages)
        return flat
    if isinstance(detail, list) and any(isinstance(v, (dict, list)) for v in detail):
        return _fields(dict(enumerate(detail)), prefix)
    messages = detail if isinstance(detail, list) else [detail]
    return {prefix or "body": [str(m) for m in messages]}


def problem_exception_handler(exc: Exception, context: dict) -> Any:
    response = exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    response.data = {
        "type": "about:blank",
        "title": response.status_text,
        "status": response.status_code,
        "detail": detail.get("detail", "Invalid request") if isinstance(detail, dict) else "",
        "errors": _fields(detail) if response.status_code == 400 else {},
    }
    response.content_type = "application/problem+json"
    return response
