"""Django's PostgreSQL backend with new connections bounded by the request's deadline.

Queries on an open connection are cut by the deadline's watchdog (the middleware watches this
thread's connection); a new connection is the one wait the watchdog cannot see, so its
connect_timeout is what is left of the deadline, and none is started with under a second left.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql import base

from events import deadline


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        configured = int(conn_params.get("connect_timeout") or 5)
        timeout = deadline.connect_timeout(configured)
        return super().get_new_connection({**conn_params, "connect_timeout": timeout})
