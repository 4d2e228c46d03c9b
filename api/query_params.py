"""Parsing query-string parameters; every bad value is a 400 naming the parameter."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from rest_framework.exceptions import ValidationError

from query_side.selectors.paging import PageRequest
from query_side.selectors.product_search import SORTS, SearchParams

MAX_INT = 2_147_483_647
MAX_POSITION = 2**63 - 1
INTEGER = re.compile(r"-?[0-9]{1,1000}")  # int() refuses strings of over 4300 digits


def _invalid(name: str, message: str) -> ValidationError:
    return ValidationError({name: [message]})


def integer(
    params: Mapping[str, str],
    name: str,
    minimum: int = 1,
    maximum: int | None = MAX_INT,
    default: int | None = None,
) -> int | None:
    """The parameter as an int in [minimum, maximum] (no upper bound when maximum is None)."""
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    # ASCII digits only: str.isdigit() also accepts "²", which int() then refuses.
    if not INTEGER.fullmatch(raw.strip()):
        raise _invalid(name, "Must be an integer.")
    value = int(raw)
    if value < minimum or (maximum is not None and value > maximum):
        raise _invalid(name, f"Must be between {minimum} and {maximum}.")
    return value


def page_request(params: Mapping[str, str], default_size: int, cap: int) -> PageRequest:
    page = integer(params, "page", default=1)
    # Any larger page size is clamped to the cap, however large: clients read the
    # size used in the envelope (docs/api-reference.md, Lists).
    size = integer(params, "page_size", maximum=None, default=default_size)
    return PageRequest(page=page, page_size=min(size, cap))


def min_position(params: Mapping[str, str]) -> int | None:
    return integer(params, "min_position", minimum=0, maximum=MAX_POSITION)


def _price(params: Mapping[str, str], name: str) -> Decimal | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise _invalid(name, "Must be a decimal number.") from None
    if not value.is_finite() or value < 0 or value > Decimal("99999999.99"):
        raise _invalid(name, "Must be a number from 0 to 99999999.99.")
    return value


def _boolean(params: Mapping[str, str], name: str) -> bool | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    if raw.lower() not in {"true", "false"}:
        raise _invalid(name, "Must be true or false.")
    return raw.lower() == "true"


def _text(params: Mapping[str, str], name: str, max_length: int) -> str:
    """The parameter without surrounding spaces ("" when absent), at most max_length characters
    as sent. NUL is refused: PostgreSQL text cannot hold it (the query would fail as if the
    database were down)."""
    raw = params.get(name) or ""
    if "\x00" in raw:
        raise _invalid(name, "Must not contain NUL characters.")
    if len(raw) > max_length:
        raise _invalid(name, f"Must be at most {max_length} characters.")
    return raw.strip()


def suggest_query(params: Mapping[str, str]) -> str:
    q = _text(params, "q", 100)
    if len(q) < 3:
        raise _invalid("q", "Must be 3 to 100 characters.")
    return q


def search_params(params: Mapping[str, str]) -> SearchParams:
    q = _text(params, "q", 200) or None
    category_raw = _text(params, "category", 100)
    category: str | int | None = category_raw or None
    if category_raw.isdigit():
        category = integer(params, "category")
    sort = params.get("sort") or None
    if sort is not None and sort not in SORTS:
        raise _invalid("sort", f"Must be one of: {', '.join(SORTS)}.")
    min_price, max_price = _price(params, "min_price"), _price(params, "max_price")
    if min_price is not None and max_price is not None and min_price > max_price:
        raise _invalid("min_price", "Must not exceed max_price.")
    return SearchParams(
        page=page_request(params, default_size=10, cap=100),
        q=q,
        category=category,
        min_price=min_price,
        max_price=max_price,
        store_id=integer(params, "store_id"),
        in_stock=_boolean(params, "in_stock"),
        sort=sort,
    )
