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
    # False: there are more than `count` rows, and no page past them is served (a bounded count).
    count_is_exact: bool = True

    @property
    def total_pages(self) -> int:
        return ceil(self.count / self.page_size) if self.count else 0


def check_in_range(count: int, request: PageRequest) -> None:
    """Page 1 always exists (possibly empty); any other page must start before the end."""
    if request.page > 1 and request.offset >= count:
        raise PageOutOfRange(request.page, ceil(count / request.page_size) if count else 0)


def page_of(
    queryset, fields: tuple[str, ...], request: PageRequest, count_limit: int | None = None
) -> Page:
    """One page of `queryset`; with `count_limit`, counted and served only that far."""
    return page_at(queryset, fields, request, row_count(queryset, count_limit))


def row_count(queryset, count_limit: int | None) -> tuple[int, bool]:
    """(count, exact) of `queryset`: exact, or with `count_limit` no further than that."""
    if count_limit is None:
        return queryset.count(), True
    # Unordered: sorting the matches is what a bounded count avoids.
    return bounded(queryset.order_by().values("pk")[: count_limit + 1].count(), count_limit)


def page_at(
    queryset, fields: tuple[str, ...], request: PageRequest, counted: tuple[int, bool]
) -> Page:
    """One page of `queryset` (ordered), which holds `counted` rows."""
    # Two queries on purpose: a window count in the page query forces every match to be
    # computed and defeats LIMIT with an index order; apart, each gets its own best plan.
    count, exact = counted
    check_in_range(count, request)
    rows = list(queryset.values(*fields)[request.offset : page_end(count, exact, request)])
    return Page(count, request.page, request.page_size, rows, exact)


def bounded(found: int, limit: int) -> tuple[int, bool]:
    """(count, exact) of a count that stopped at `limit + 1` rows: beyond `limit`, `limit`."""
    return min(found, limit), found <= limit


def page_end(count: int, exact: bool, request: PageRequest) -> int:
    """Where the page stops: no row past a bounded count is served, so the reported count and
    total_pages stay true of what paging returns."""
    end = request.offset + request.page_size
    return end if exact else min(end, count)


def money(value) -> str:
    return f"{value:.2f}"
