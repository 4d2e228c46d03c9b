"""The list envelope shared by every list endpoint (API.md): count, page, links, results."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.utils.urls import replace_query_param

from query_side.selectors.paging import Page


def envelope(request: Request, page: Page) -> dict[str, Any]:
    url = request.build_absolute_uri()
    has_next = page.page < page.total_pages
    return {
        "count": page.count,
        "page": page.page,
        "page_size": page.page_size,
        "total_pages": page.total_pages,
        "next": replace_query_param(url, "page", page.page + 1) if has_next else None,
        "previous": replace_query_param(url, "page", page.page - 1) if page.page > 1 else None,
        "results": page.results,
    }
