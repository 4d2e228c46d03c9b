"""Refuses a request target (path and query string) longer than this API ever needs, in the one
error format, before any other middleware or view spends work on it. gunicorn.conf.py lets
longer request lines through to here; past gunicorn's own maximum its worker answers alike."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .errors import django_problem, problem_slug, status_title

# The longest query any endpoint takes is a handful of short parameters (a search is at most a
# few hundred characters); browsers and proxies commonly cap URLs near 2-8k anyway.
MAX_REQUEST_TARGET = 4096


class RequestTargetLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        length = len(request.get_full_path())
        if length > MAX_REQUEST_TARGET:
            detail = (
                f"The path and query string are {length} characters long; "
                f"this service accepts at most {MAX_REQUEST_TARGET}."
            )
            title = status_title(414)
            return django_problem(414, problem_slug(title), title, detail)
        return self.get_response(request)


def document_uri_too_long(result: dict, generator: object, **kwargs: object) -> dict:
    """drf-spectacular postprocessing hook: the middleware above answers any operation, so every
    operation documents its 414 (with the shared problem+json body)."""
    title = status_title(414)
    example = {
        "type": f"/problems/{problem_slug(title)}",
        "title": title,
        "status": 414,
        "detail": f"The path and query string are 5766 characters long; this service accepts "
        f"at most {MAX_REQUEST_TARGET}.",
        "errors": {},
    }
    response = {
        "description": f"The path and query string are longer than {MAX_REQUEST_TARGET} "
        "characters; nothing was done.",
        "content": {
            "application/problem+json": {
                "schema": {"$ref": "#/components/schemas/Problem"},
                "examples": {"UriTooLong": {"value": example, "summary": title}},
            }
        },
    }
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            operation.setdefault("responses", {}).setdefault("414", response)
    return result
