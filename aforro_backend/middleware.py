"""Edge middleware: each request's id (X-Request-ID, bound as the correlation id of what the
request logs and stores) and its one database deadline.

May import Django and the `events` package (correlation, deadline); never a view or handler.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse

from events import correlation, deadline

RequestHandler = Callable[[HttpRequest], HttpResponse]
# What a client may send as its own id; anything else is replaced, never echoed.
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,200}")


class RequestIdMiddleware:
    """Take the client's X-Request-ID when it is well formed, make one otherwise, echo it."""

    def __init__(self, get_response: RequestHandler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        sent = request.headers.get("X-Request-ID", "")
        request.request_id = sent if REQUEST_ID.fullmatch(sent) else uuid.uuid4().hex
        # Bound for this request only: log records and stored events read it from here.
        with correlation.correlated(request.request_id):
            response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


class DatabaseDeadlineMiddleware:
    """One deadline (DB_DEADLINE_SECONDS) for everything the request waits on in PostgreSQL:
    the read tables' connections (the primary's and every replica's) are watched here, the
    event store's pool and the writer locks watch their own connections (events.deadline)."""

    def __init__(self, get_response: RequestHandler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with contextlib.ExitStack() as stack:
            stack.enter_context(deadline.request_deadline(settings.DB_DEADLINE_SECONDS))
            for alias in settings.DATABASES:
                # This thread's wrapper: read it here, cut its socket from the watchdog.
                django_db = connections[alias]
                stack.enter_context(deadline.watching(lambda db=django_db: db.connection))
            return self.get_response(request)
