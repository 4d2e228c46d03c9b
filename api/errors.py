"""The one error format (RFC 9457 problem details) and the one table from error to status.

Domain errors know nothing of HTTP; this module is where they get a status and a body.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response

from command_side import errors as domain
from query_side import errors as query

from . import database_errors

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

# error class -> (status, type slug, title); first match in MRO order wins.
DOMAIN_ERRORS: dict[type[Exception], tuple[int, str, str]] = {
    domain.StoreNotFound: (404, "not-found", "Not found"),
    domain.ProductNotFound: (404, "not-found", "Not found"),
    domain.StockItemNotFound: (404, "not-found", "Not found"),
    domain.StockWouldGoNegative: (409, "insufficient-stock", "Insufficient stock"),
    domain.UnknownProducts: (400, "validation-error", "Invalid request"),
    domain.InvalidQuantity: (400, "validation-error", "Invalid request"),
    domain.AlreadyExists: (409, "conflict", "Already exists"),
    domain.OrderNotCancellable: (409, "order-not-cancellable", "Order not cancellable"),
    domain.OrderNotFound: (404, "not-found", "Not found"),
    domain.IdempotencyKeyReused: (422, "idempotency-key-reused", "Idempotency-Key reused"),
    domain.ConcurrencyExhausted: (503, "busy", "Too much contention"),
    query.UnknownStore: (404, "not-found", "Not found"),
    query.UnknownOrder: (404, "not-found", "Not found"),
    query.UnknownStockItem: (404, "not-found", "Not found"),
    query.PageOutOfRange: (404, "page-out-of-range", "Page out of range"),
    query.ProjectionBehind: (503, "not-yet-projected", "Read model behind"),
    query.PositionBeyondHead: (400, "validation-error", "Invalid request"),
    query.ProjectionStalled: (503, "projection-stalled", "Projection stalled"),
    query.TooManyWaiting: (503, "too-many-waiting", "Too many reads waiting"),
}
# Seconds a client should wait before retrying. A stalled projection had no worker for
# PROJECTOR_STALE_SECONDS already (a standby takes over within a second), so it is not back soon.
RETRY_AFTER: dict[type[Exception], int] = {
    domain.ConcurrencyExhausted: 1,
    query.ProjectionBehind: 1,
    query.TooManyWaiting: 1,
    query.ProjectionStalled: 5,
}


def problem(
    status_code: int,
    slug: str,
    title: str,
    detail: str,
    errors: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    body = problem_body(status_code, slug, title, detail, errors, **extra)
    return Response(body, status=status_code, headers=headers, content_type=PROBLEM_JSON)


def problem_body(
    status_code: int,
    slug: str,
    title: str,
    detail: str,
    errors: dict[str, list[str]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "type": f"/problems/{slug}",
        "title": title,
        "status": status_code,
        "detail": detail,
        "errors": errors or {},
        **extra,
    }


# Django's own error pages (before or outside DRF) in the same shape, not HTML:
# handler400/404/500 in the root URLconf.
def bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """A request Django refuses before routing, e.g. a Host header it does not serve."""
    detail = "The request is malformed or names a host this service does not serve."
    return django_problem(400, "bad-request", "Bad request", detail)


def route_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """A path no route matches (`/stores/abc/orders/`): a 404 like an unknown id."""
    return django_problem(404, "not-found", "Not found", f"No endpoint at {request.path}.")


SERVER_ERROR_DETAIL = "An unexpected error occurred; it has been logged with the request's id."


def server_error(request: HttpRequest) -> JsonResponse:
    extra = {"request_id": getattr(request, "request_id", None)}
    return django_problem(500, "server-error", "Internal server error", SERVER_ERROR_DETAIL, extra)


def django_problem(
    status_code: int, slug: str, title: str, detail: str, extra: dict[str, Any] | None = None
) -> JsonResponse:
    body = problem_body(status_code, slug, title, detail, **(extra or {}))
    return JsonResponse(body, status=status_code, content_type=PROBLEM_JSON)


def flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {"items[0].quantity_requested": ["..."]}."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            if isinstance(key, int):
                name = f"{prefix}[{key}]"
            elif key == "non_field_errors":
                name = prefix or "body"
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            for k, v in flatten(value, name).items():
                flat.setdefault(k, []).extend(v)
        return flat
    if isinstance(detail, list):
        if all(not isinstance(v, (dict, list)) for v in detail):
            return {prefix or "body": [str(v) for v in detail]}
        flat = {}
        for index, value in enumerate(detail):
            if value:
                flat.update(flatten(value, f"{prefix}[{index}]"))
        return flat
    return {prefix or "body": [str(detail)]}


# RFC 9110's names where Python 3.11 still has RFC 7231's ("Request-URI Too Long").
TITLES = {414: "URI too long"}


def status_title(status_code: int) -> str:
    """HTTP's reason phrase in sentence case, e.g. "Request header fields too large"."""
    if status_code in TITLES:
        return TITLES[status_code]
    phrase = HTTPStatus(status_code).phrase
    return phrase[0] + phrase[1:].lower()


def problem_slug(title: str) -> str:
    return title.lower().replace(" ", "-")


def _domain_problem(exc: domain.DomainError, view: object) -> Response:
    for cls in type(exc).__mro__:
        if cls in DOMAIN_ERRORS:
            code, slug, title = DOMAIN_ERRORS[cls]
            break
    errors: dict[str, list[str]] = {}
    extra: dict[str, Any] = {}
    if isinstance(exc, domain.StoreNotFound):
        errors = {"store_id": [str(exc)]}
    elif isinstance(exc, domain.UnknownProducts):
        # The request field the ids came from: "items" of an order unless the view says otherwise.
        errors = {getattr(view, "unknown_products_field", "items"): [str(exc)]}
        extra["product_ids"] = exc.product_ids
    elif isinstance(exc, domain.InvalidQuantity):
        errors = {"quantity": [str(exc)]}
    elif isinstance(exc, domain.ProductNotFound):
        errors = {"product_id": [str(exc)]}
    elif isinstance(exc, domain.StockWouldGoNegative):
        errors = {"delta": [str(exc)]}
    elif isinstance(exc, query.PositionBeyondHead):
        errors = {"min_position": [str(exc)]}
    retry_after = next((RETRY_AFTER[c] for c in type(exc).__mro__ if c in RETRY_AFTER), None)
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    return problem(code, slug, title, str(exc), errors, headers, **extra)


def _drf_problem(exc: exceptions.APIException) -> Response:
    headers = {}
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        headers["Retry-After"] = str(max(1, int(exc.wait + 0.999)))
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if isinstance(exc, exceptions.ValidationError):
        return problem(
            400,
            "validation-error",
            "Invalid request",
            "One or more fields are invalid.",
            flatten(exc.detail),
        )
    title = {
        400: "Bad request",
        401: "Unauthorized",
        403: "Forbidden",
        404: "Not found",
        405: "Method not allowed",
        406: "Not acceptable",
        415: "Unsupported media type",
        429: "Too many requests",
    }.get(exc.status_code, "Error")
    errors: dict[str, list[str]] = {}
    if isinstance(exc, exceptions.ParseError):
        errors = {"body": [str(exc.detail)]}
    elif isinstance(exc, exceptions.UnsupportedMediaType):
        errors = {"Content-Type": [str(exc.detail)]}
    slug = problem_slug(title)
    return problem(exc.status_code, slug, title, str(exc.detail), errors, headers or None)


def problem_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, domain.DomainError | query.QueryError):
        return _domain_problem(exc, context.get("view"))
    if isinstance(exc, RequestDataTooBig):
        detail = "The request body is larger than the server accepts."
        return problem(413, "payload-too-large", "Payload too large", detail, {"body": [detail]})
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, exceptions.APIException):
        return _drf_problem(exc)
    if database_errors.is_unavailable(exc):
        return _unavailable(exc)
    if database_errors.is_database_error(exc):
        return _database_bug(exc, context.get("request"))
    return None


def _unavailable(exc: Exception) -> Response:
    database_errors.count(exc, 503)
    logger.warning("dependency unavailable: %s: %s", type(exc).__name__, exc)
    return problem(
        status.HTTP_503_SERVICE_UNAVAILABLE,
        "unavailable",
        "Service unavailable",
        "A backing service is unavailable; retry shortly.",
        headers={"Retry-After": "2"},
    )


def _database_bug(exc: Exception, request: Any) -> Response:
    """Not an outage: a 500 with the request's id, so the logged traceback can be found."""
    database_errors.count(exc, 500)
    request_id = getattr(request, "request_id", None)
    logger.error("database error (request_id=%s)", request_id, exc_info=exc)
    return problem(
        status.HTTP_500_INTERNAL_SERVER_ERROR,
        "server-error",
        "Internal server error",
        SERVER_ERROR_DETAIL,
        request_id=request_id,
    )
