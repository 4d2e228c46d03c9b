"""OpenAPI documentation only: example requests and answers shown in Swagger UI and copied into
the Postman collection. Plain data; imports nothing of the application.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample

ORDER_ID = "7d0c6f0e-3b7a-4d59-9b8e-2f7c1a0b6e21"
LINES = [
    {"product_id": 1, "product_title": "Milk 1L", "quantity_requested": 2},
    {"product_id": 2, "product_title": "Bread", "quantity_requested": 1},
]
ORDER = {
    "id": ORDER_ID,
    "store_id": 1,
    "status": "CONFIRMED",
    "created_at": "2025-01-01T09:30:00.123456Z",
    "items": LINES,
    "total_items": 2,
    "total_quantity": 3,
    "rejection_reasons": [],
    "cancelled_at": None,
    "cancellation_reason": None,
    "position": 42,
}
REJECTED = {
    **ORDER,
    "status": "REJECTED",
    "rejection_reasons": [
        {"product_id": 2, "requested": 1, "available": 0, "code": "INSUFFICIENT_STOCK"}
    ],
}

CANCELLED = {
    **ORDER,
    "status": "CANCELLED",
    "cancelled_at": "2025-01-01T10:05:00.654321Z",
    "cancellation_reason": "Ordered by mistake",
    "position": 57,
}


def page(results: list[dict], page_size: int) -> dict:
    """A one-page envelope around `results`."""
    return {
        "count": len(results),
        "count_is_exact": True,
        "page": 1,
        "page_size": page_size,
        "total_pages": 1,
        "next": None,
        "previous": None,
        "results": results,
    }


def request(summary: str, value: dict) -> OpenApiExample:
    return OpenApiExample(summary, value=value, request_only=True)


def answer(summary: str, value: object, code: int = 200) -> OpenApiExample:
    return OpenApiExample(summary, value=value, response_only=True, status_codes=[str(code)])


PLACE_ORDER = [
    request(
        "Two lines",
        {
            "store_id": 1,
            "items": [
                {"product_id": 1, "quantity_requested": 2},
                {"product_id": 2, "quantity_requested": 1},
            ],
        },
    ),
    answer("Confirmed", ORDER, 201),
    answer("Rejected (not enough stock)", REJECTED, 201),
    answer("Replayed with the same Idempotency-Key", ORDER, 200),
]
OPEN_STORE = [
    request("Store", {"name": "Central", "location": "Lisbon"}),
    answer("Opened", {"id": 1, "name": "Central", "location": "Lisbon", "position": 1}, 201),
]
PRODUCT = {"title": "Milk 1L", "description": "Semi-skimmed", "price": "0.99", "category": "Dairy"}
REGISTER_PRODUCT = [
    request("Product", PRODUCT),
    answer("Registered", {"id": 1, **PRODUCT, "position": 2}, 201),
]
RECEIVE_STOCK = [
    request("Fifty units", {"product_id": 1, "quantity": 50}),
    answer("Received", {"store_id": 1, "product_id": 1, "quantity": 50, "position": 3}, 201),
]
REVISE_PRODUCT = [
    request("A new price", {"price": "1.09"}),
    answer(
        "Revised",
        {
            "id": 1,
            "title": "Milk 1L",
            "description": "Semi-skimmed",
            "price": "1.09",
            "category": "Dairy",
            "position": 7,
        },
    ),
]
ADJUST_STOCK = [
    request("Two broken", {"delta": -2, "reason": "Broken in the stockroom"}),
    answer("Adjusted", {"store_id": 1, "product_id": 1, "quantity": 46, "position": 8}, 201),
]
INVENTORY = [
    answer(
        "One page",
        page(
            [
                {
                    "product_id": 2,
                    "product_title": "Bread",
                    "category": "Bakery",
                    "price": "1.20",
                    "quantity": 12,
                },
                {
                    "product_id": 1,
                    "product_title": "Milk 1L",
                    "category": "Dairy",
                    "price": "0.99",
                    "quantity": 48,
                },
            ],
            100,
        ),
    )
]
STORE_ORDERS = [
    answer(
        "Newest first",
        page(
            [
                {
                    "id": ORDER_ID,
                    "status": "CONFIRMED",
                    "created_at": "2025-01-01T09:30:00.123456Z",
                    "total_items": 2,
                    "total_quantity": 3,
                }
            ],
            20,
        ),
    )
]
ORDER_DETAIL = [answer("Confirmed", ORDER)]
REQUEST_ID = "checkout-5f2a9c"
BY_REQUEST = {"correlation_id": REQUEST_ID, "causation_id": None}
BY_PLACEMENT = {"correlation_id": REQUEST_ID, "causation_id": f"{ORDER_ID}:1"}
PLACED = {
    "version": 1,
    "type": "OrderPlaced",
    "recorded_at": "2025-01-01T09:30:00.123456Z",
    "position": 41,
    "data": {
        "store_id": 1,
        "lines": [{**LINES[0], "unit_price": "0.99"}, {**LINES[1], "unit_price": "1.20"}],
        "request_fingerprint": "9c1e5b7d0a4f",
    },
    "metadata": BY_REQUEST,
}
RESERVED = {
    "version": 2,
    "type": "StockReserved",
    "recorded_at": "2025-01-01T09:30:00.123456Z",
    "position": 42,
    "data": {"store_id": 1, "lines": [{"product_id": 1, "quantity": 2}]},
    "metadata": BY_PLACEMENT,
}
ORDER_HISTORY = [
    answer("Every event", [PLACED, RESERVED]),
    answer(
        "With as_of_version=1",
        {
            "as_of_version": 1,
            "state": {**ORDER, "status": "PENDING", "position": 41},
            "events": [PLACED],
        },
    ),
]
STOCK_HISTORY = [
    answer(
        "Received, then reserved",
        page(
            [
                {
                    "version": 2,
                    "type": "StockReceived",
                    "recorded_at": "2025-01-01T09:00:00Z",
                    "position": 3,
                    "data": {"store_id": 1, "product_id": 1, "quantity": 50, "quantity_after": 50},
                    "metadata": {"correlation_id": "restock-77", "causation_id": None},
                    "quantity_change": 50,
                    "quantity_after": 50,
                    "order_id": None,
                },
                {
                    "version": 3,
                    "type": "StockItemReserved",
                    "recorded_at": "2025-01-01T09:30:00Z",
                    "position": 42,
                    "data": {
                        "store_id": 1,
                        "product_id": 1,
                        "order_id": ORDER_ID,
                        "quantity": 2,
                        "quantity_after": 48,
                    },
                    "metadata": BY_PLACEMENT,
                    "quantity_change": -2,
                    "quantity_after": 48,
                    "order_id": ORDER_ID,
                },
            ],
            100,
        ),
    )
]
SEARCH = [
    answer(
        "With store_id",
        page(
            [
                {
                    "id": 1,
                    "title": "Milk 1L",
                    "description": "Semi-skimmed",
                    "price": "0.99",
                    "category": "Dairy",
                    "created_at": "2025-01-01T08:00:00Z",
                    "store_quantity": 48,
                }
            ],
            10,
        ),
    ),
    answer(
        "A word of every product: counted up to the bound",
        {
            **page(
                [
                    {
                        "id": 17,
                        "title": "Free Range Eggs 12 pack",
                        "description": "Free Range Eggs 12 pack from our dairy range.",
                        "price": "2.35",
                        "category": "Dairy",
                        "created_at": "2025-01-01T08:00:00Z",
                    }
                ],
                1,
            ),
            "count": 10000,
            "count_is_exact": False,
            "total_pages": 10000,
            "next": "http://127.0.0.1:8000/api/search/products/?q=range&page=2&page_size=1",
        },
    ),
]
SUGGEST = [
    answer(
        "Titles starting with the query, then titles with a word starting with it",
        {"query": "mil", "suggestions": ["Millet", "Milk 1L", "Oat Milk"]},
    )
]
LIVE = {"position": 42, "head": 42, "lag": 0, "worker": "ok"}
HEALTH = {
    "status": "ok",
    "database": "ok",
    "cache": "ok",
    "event_store": "ok",
    "projections": {"catalog": LIVE, "store_orders": LIVE, "notifier": LIVE},
    "replicas": [{"alias": "replica_1", "in_rotation": True, "lag_seconds": 0.0, "error": None}],
}
HEALTH_STATES = [
    answer("Ok", HEALTH),
    answer(
        "Degraded: the notifier has no live worker",
        {
            **HEALTH,
            "status": "degraded",
            "projections": {
                **HEALTH["projections"],
                "notifier": {"position": 40, "head": 42, "lag": 2, "worker": "missing"},
            },
        },
    ),
    answer("Degraded: the cache is down", {**HEALTH, "status": "degraded", "cache": "unavailable"}),
    answer(
        "Degraded: a replica is out of rotation (reads go to the primary)",
        {
            **HEALTH,
            "status": "degraded",
            "replicas": [
                {
                    "alias": "replica_1",
                    "in_rotation": False,
                    "lag_seconds": 7.5,
                    "error": "lag 7.5 s over 5 s",
                }
            ],
        },
    ),
    answer(
        "Unavailable: the database is down",
        {
            "status": "unavailable",
            "database": "unavailable",
            "cache": "ok",
            "event_store": "unavailable",
            "projections": {},
            "replicas": [],
        },
        503,
    ),
]

CANCEL_ORDER = [
    request("With a reason", {"reason": "Ordered by mistake"}),
    answer("Cancelled (or already cancelled: the same body)", CANCELLED),
]
