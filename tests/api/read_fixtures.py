"""Shared by the read-endpoint tests: data written through the command side and projected with
`catch_up`, a ticking clock, a projector thread, and checks of the list envelope and problem+json.

Plain functions and classes only (no fixtures), so test modules import what they use.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

from django.core.cache import cache
from django.db import connection

from command_side.catalog_commands import open_store, receive_stock, register_product
from command_side.context import CommandContext
from command_side.order import OrderLine
from command_side.place_order import OrderOutcome, PlaceOrder, place_order
from projections.catch_up import catch_up
from projections.heartbeat import Heartbeat
from projections.registry import select
from projections.worker import ProjectionWorker, start_in_background
from query_side.search import lexicon

PROBLEM_JSON = "application/problem+json"
ENVELOPE_KEYS = {
    "count",
    "count_is_exact",
    "page",
    "page_size",
    "total_pages",
    "next",
    "previous",
    "results",
}


class TickingClock:
    """Each call is one second after the previous: creation order is timestamp order."""

    def __init__(self, start: datetime = datetime(2025, 1, 1, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def fresh_read_side(ctx: CommandContext, monkeypatch) -> CommandContext:
    """An empty cache (cached pages, throttle history), a fresh lexicon and a ticking clock.

    The event store is wiped per test but the cache and the in-process lexicon outlive a test,
    so a page or a typo correction from an earlier test's catalog could otherwise answer.
    """
    cache.clear()
    lexicon.wait_for_background_build()  # an earlier test's, which would install its own
    monkeypatch.setattr(lexicon, "_cached", None)
    monkeypatch.setattr(lexicon, "_checked_at", 0.0)
    ctx.clock = TickingClock()
    return ctx


def project() -> int:
    """Fold every event written so far into the read tables; events processed."""
    return catch_up(select(None))


def shop(ctx: CommandContext, store_id: int, name: str = "") -> None:
    open_store(ctx, name or f"Store {store_id}", "Lisbon", store_id=store_id)


def product(
    ctx: CommandContext,
    product_id: int,
    title: str,
    price: str = "1.00",
    category: str = "Dairy",
    description: str = "",
) -> None:
    register_product(ctx, title, description, Decimal(price), category, product_id=product_id)


def stock(ctx: CommandContext, store_id: int, product_id: int, quantity: int) -> int:
    """Receive units into a store; the position of the receipt."""
    return receive_stock(ctx, store_id, product_id, quantity).position


def order(ctx: CommandContext, store_id: int, *lines: tuple[int, int]) -> OrderOutcome:
    command = PlaceOrder(store_id, tuple(OrderLine(p, q) for p, q in lines))
    return place_order(ctx, command)


def assert_problem(response, status: int, param: str | None = None) -> dict:
    """A problem+json answer with `status`; with `param`, its errors name that parameter."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM_JSON)
    body = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail", "errors"} <= set(body)
    if param is not None:
        assert list(body["errors"]) == [param], body
        assert body["errors"][param]
    return body


def assert_envelope(
    body: dict, count: int, page: int, page_size: int, total_pages: int, exact: bool = True
) -> None:
    assert set(body) == ENVELOPE_KEYS
    assert (body["count"], body["page"], body["page_size"], body["total_pages"]) == (
        count,
        page,
        page_size,
        total_pages,
    )
    assert body["count_is_exact"] is exact


def link(url: str | None) -> tuple[str, dict[str, list[str]]] | None:
    """An envelope link as (absolute path, query parameters)."""
    if url is None:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}", parse_qs(parts.query)


class FirstBeatHeartbeat(Heartbeat):
    """The worker's real heartbeat, also telling the test when it first wrote one."""

    def __init__(self) -> None:
        super().__init__()
        self.first = threading.Event()

    def beat(self, names) -> None:
        super().beat(names)
        if self.recorded:
            self.first.set()


class BackgroundProjectors:
    """A real `ProjectionWorker` in a thread, as in the embedded mode; stopped at teardown."""

    def __init__(self) -> None:
        self.worker: ProjectionWorker | None = None
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        """Start once and return when the worker shows as live (its first heartbeat), as a
        running worker would; later calls do nothing."""
        if self.worker is None:
            # Waits on an event, not the table: this may run inside a read of the request's
            # connection, whose open statement would keep SQLite's shared cache locked.
            heartbeat = FirstBeatHeartbeat()
            self.worker = ProjectionWorker(select(None), poll_interval=0.05, heartbeat=heartbeat)
            self.thread = start_in_background(self.worker)
            assert heartbeat.first.wait(timeout=30), "the projector thread wrote no heartbeat"

    def stop(self) -> None:
        if self.worker is not None and self.thread is not None:
            self.worker.stop()
            self.thread.join(timeout=30)
            assert not self.thread.is_alive(), "the projector thread did not stop"


@contextmanager
def start_when_the_read_polls(projectors: BackgroundProjectors) -> Iterator[Callable[[], int]]:
    """Start the projectors only after the request's first look at the checkpoints.

    That look necessarily finds the projection behind, so an up-to-date answer proves the
    request waited for the projector. Yields how many checkpoint reads the request made.
    """
    polls = 0

    def observe(execute, sql, params, many, context):
        nonlocal polls
        result = execute(sql, params, many, context)
        if "read_projection_checkpoint" in sql:
            polls += 1
            projectors.start()
        return result

    with connection.execute_wrapper(observe):
        yield lambda: polls
