"""Rate limits per client IP, counted in Redis (the default cache) in fixed windows.

DRF's stock throttles keep a list of request times per client and rewrite it on every request;
at the generous `POST /orders/` rate (6000/min) that list costs ~1.5 ms of pickling a request.
A fixed window needs one atomic increment (and its expiry, in the same round trip). When the
cache is down the limit fails open.
"""

from __future__ import annotations

import logging

from redis.exceptions import RedisError
from rest_framework.throttling import SimpleRateThrottle

from query_side.counters import increment_in_window

logger = logging.getLogger(__name__)


class FixedWindowIpThrottle(SimpleRateThrottle):
    window_end = 0.0

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        window = int(self.timer() // self.duration)
        self.window_end = (window + 1) * self.duration
        key = f"{self.get_cache_key(request, view)}:{window}"
        count = self._increment(key)
        return count is None or count <= self.num_requests

    def _increment(self, key: str) -> int | None:
        try:
            return increment_in_window(key, self.duration + 1)
        except (RedisError, OSError):
            logger.warning("cache unavailable: %s not rate limited", self.scope)
            return None

    def wait(self) -> float:
        return max(0.0, self.window_end - self.timer())


class OrderThrottle(FixedWindowIpThrottle):
    """`POST /orders/`: generous by default (ORDERS_RATE), a guard against runaway clients."""

    scope = "orders"


class SuggestThrottle(FixedWindowIpThrottle):
    """Suggestions are called on every keystroke: SUGGEST_RATE per client IP (20/min)."""

    scope = "suggest"
