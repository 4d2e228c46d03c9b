"""Page arithmetic shared by every list selector (the envelope itself is built by the API)."""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil
from typing import Any

from query_side.errors import PageOutOfRange


@dataclass(frozen=True)
class PageRequest:
    page: int
    page_size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


@dataclass(frozen=True)
class Page:
    count: int
    page: int
    page_size: int
    results: list[dict[str, Any]]

    @property
    def total_pages(self) -> int:
        return ceil(self.count / self.page_size) if self.count else 0


def check_in_range(count: int, request: PageRequest) -> None:
    """Page 1 always exists (possibly empty); any other page must start before the end."""
    if request.page > 1 and request.offset >= count:
        raise PageOutOfRange(request.page, ceil(count / request.page_size) if count else 0)


def page_of(queryset, fields: tuple[str, ...], request: PageRequest) -> Page:
    # Two queries on purpose: a window count in the page query forces every match to be
    # computed and defeats LIMIT with an index order; apart, each gets its own best plan.
    count = queryset.count()
    check_in_range(count, request)
    rows = list(queryset.values(*fields)[request.offset : request.offset + request.page_size])
    return Page(count, request.page, request.page_size, rows)


def money(value) -> str:
    return f"{value:.2f}"
