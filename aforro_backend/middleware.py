"""Edge middleware: each request's id (X-Request-ID, bound as the correlation id of what the
request logs and stores) and its one database deadline.

May import Django and the `events` package (correlation, deadline); never a view or handler.
"""

from __future__ import annotations

import os
import re
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
        # META, not request.headers: building that mapping of every header costs more than
        # the rest of this middleware (a hot path: every request passes here).
        sent = request.META.get("HTTP_X_REQUEST_ID", "")
        # 128 random bits as 32 hex digits (a uuid4's .hex, without the UUID object).
        request.request_id = sent if REQUEST_ID.fullmatch(sent) else os.urandom(16).hex()
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
        with deadline.request_deadline(settings.DB_DEADLINE_SECONDS) as current:
            for alias in settings.DATABASES:
                # This thread's wrapper: read it here, cut its socket from the watchdog. Never
                # unwatched: the deadline, and what it watches, ends with the request.
                django_db = connections[alias]
                current.watch(id(django_db), lambda db=django_db: db.connection)
            return self.get_response(request)
