"""gunicorn's sync worker, answering the requests gunicorn refuses by itself (a request line or
header over its limits, malformed HTTP) in the service's one error format instead of HTML.
Part of the HTTP edge, so it lives in api beside that format (gunicorn.conf.py names it)."""

from __future__ import annotations

import json
from http import HTTPStatus

from gunicorn.http.errors import LimitRequestHeaders, LimitRequestLine
from gunicorn.workers.gthread import ThreadWorker
from gunicorn.workers.sync import SyncWorker


class ProblemJsonErrors:
    """gunicorn's own error answers (`handle_error` of every worker class) as problem+json."""

    def handle_error(self, req, client, addr, exc):
        page = _CapturedPage()
        super().handle_error(req, page, addr, exc)  # gunicorn logs it and picks the status
        status = 414 if isinstance(exc, LimitRequestLine) else page.status()
        detail = self.detail(exc, status)
        try:
            client.sendall(problem_response(status, detail))
        except OSError:
            self.log.debug("Failed to send error message.")

    def detail(self, exc: BaseException, status: int) -> str:
        if isinstance(exc, LimitRequestLine):
            limit = self.cfg.limit_request_line
            return f"The request line (method, path and query string) is over {limit} characters."
        if isinstance(exc, LimitRequestHeaders):
            size, count = self.cfg.limit_request_field_size, self.cfg.limit_request_fields
            return f"A header is over {size} characters, or there are over {count} headers."
        return str(exc) if status < 500 else "An unexpected error occurred; it has been logged."


class ProblemJsonSyncWorker(ProblemJsonErrors, SyncWorker):
    pass


class ProblemJsonThreadWorker(ProblemJsonErrors, ThreadWorker):
    pass


def problem_response(status: int, detail: str) -> bytes:
    # Imported here: the master process loads this class before any worker loads the app.
    from .errors import PROBLEM_JSON, problem_body, problem_slug, status_title

    title = status_title(status)
    body = json.dumps(problem_body(status, problem_slug(title), title, detail)).encode()
    head = (
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\nConnection: close\r\n"
        f"Content-Type: {PROBLEM_JSON}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


class _CapturedPage:
    """Stands in for the client socket while gunicorn renders its own error page."""

    def __init__(self) -> None:
        self.data = b""

    def gettimeout(self) -> float:
        return 0.0

    def sendall(self, data: bytes) -> None:
        self.data += data

    def status(self) -> int:
        try:
            return int(self.data.split(b" ", 2)[1])
        except (IndexError, ValueError):
            return 400
