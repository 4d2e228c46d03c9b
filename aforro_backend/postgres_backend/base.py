"""Django's PostgreSQL backend with new connections bounded by the request's deadline, and a
health check that costs no round trip.

Queries on an open connection are cut by the deadline's watchdog (the middleware watches this
thread's connection); a new connection is the one wait the watchdog cannot see, so its
connect_timeout is what is left of the deadline, and none is started with under a second left.
"""

from __future__ import annotations

import select
from typing import Any

from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus

from events import deadline


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        configured = int(conn_params.get("connect_timeout") or 5)
        timeout = deadline.connect_timeout(configured)
        return super().get_new_connection({**conn_params, "connect_timeout": timeout})

    def is_usable(self) -> bool:
        """Django asks this before the first query of every request (CONN_HEALTH_CHECKS), and
        its answer is a SELECT 1: a round trip per request, about a sixth of a suggestion's
        time. An idle connection that the server closed (restart, pg_terminate_backend, an
        idle timeout) has something to read, its goodbye and the end of the stream; one with
        nothing to read answers SELECT 1 too, unless the server stopped answering, which
        SELECT 1 cannot tell either before the request's deadline. So the round trip is made
        only when there is something to read or the connection is not idle."""
        conn = self.connection
        if conn is None or conn.closed:
            return False
        if conn.info.transaction_status != TransactionStatus.IDLE:
            return super().is_usable()
        poller = select.poll()  # not select(): it refuses descriptors above 1023
        poller.register(conn.fileno(), select.POLLIN)
        return not poller.poll(0) or super().is_usable()
