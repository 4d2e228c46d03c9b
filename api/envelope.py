"""The list envelope shared by every list endpoint: count, page, links, results.

docs/api-reference.md (Conventions, Lists) documents it for clients."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.http import HttpResponse
from rest_framework.request import Request
from rest_framework.utils.urls import replace_query_param

from query_side.selectors.paging import Page


def envelope(request: Request, page: Page) -> dict[str, Any]:
    return {**links(request, page), "results": page.results}


def links(request: Request, page: Page | RenderedPage) -> dict[str, Any]:
    """count, count_is_exact, page, page_size, total_pages, next and previous of a page."""
    url = request.build_absolute_uri()
    has_next = page.page < page.total_pages
    return {
        "count": page.count,
        "count_is_exact": page.count_is_exact,
        "page": page.page,
        "page_size": page.page_size,
        "total_pages": page.total_pages,
        "next": replace_query_param(url, "page", page.page + 1) if has_next else None,
        "previous": replace_query_param(url, "page", page.page - 1) if page.page > 1 else None,
    }


@dataclass(frozen=True)
class RenderedPage:
    """A page whose rows are already JSON: what the cache keeps for list endpoints, so a hit
    costs no re-encoding of the rows (the envelope's links depend on the request, so they are
    added per response)."""

    count: int
    page: int
    page_size: int
    total_pages: int
    results_json: str
    count_is_exact: bool

    @classmethod
    def of(cls, page: Page) -> RenderedPage:
        results = json.dumps(page.results, separators=(",", ":"))
        return cls(
            page.count, page.page, page.page_size, page.total_pages, results, page.count_is_exact
        )


def envelope_response(request: Request, page: RenderedPage) -> HttpResponse:
    head = json.dumps(links(request, page), separators=(",", ":"))
    body = head[:-1] + ',"results":' + page.results_json + "}"
    return HttpResponse(body, content_type="application/json")
