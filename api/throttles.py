"""Rate limits per client address, counted in Redis (the default cache) in fixed windows.

DRF's stock throttles keep a list of request times per client and rewrite it on every request;
at the generous `POST /orders/` rate (6000/min) that list costs ~1.5 ms of pickling a request.
A fixed window needs one atomic increment (and its expiry, in the same round trip). A throttle
may add a shorter burst window, counted in that same round trip: a request must fit both. When
the cache is down the limit fails open.
"""

from __future__ import annotations

import functools
import logging
import re

from django.core.exceptions import ImproperlyConfigured
from redis.exceptions import RedisError
from rest_framework.throttling import SimpleRateThrottle

from query_side.counters import increment_in_windows

from .client_address import client_address

logger = logging.getLogger(__name__)

# "120/min", "6000/m", "30/10s": requests per (optionally a number of) seconds, minutes, ...
RATE = re.compile(r"(\d+)/(\d*)([smhd])[a-z]*")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@functools.lru_cache(maxsize=64)  # a throttle is made per request; its rates are settings
def parse_rate(rate: str) -> tuple[int, int]:
    """(requests, window seconds) of a rate like "120/min" or "30/10s"."""
    match = RATE.fullmatch(rate.strip().replace(" ", ""))
    if match is None or match.group(2) == "0":
        raise ImproperlyConfigured(f"a rate is requests/period like 120/min or 30/10s: {rate!r}")
    requests, count, unit = match.groups()
    return int(requests), int(count or 1) * UNIT_SECONDS[unit]


class FixedWindowIpThrottle(SimpleRateThrottle):
    burst_scope: str | None = None  # THROTTLE_RATES key of an optional shorter window
    window_end = 0.0

    def __init__(self) -> None:
        super().__init__()
        self.windows = [] if self.rate is None else [(self.num_requests, self.duration)]
        burst = self.THROTTLE_RATES.get(self.burst_scope) if self.burst_scope else None
        if self.windows and burst:
            self.windows.append(parse_rate(burst))
            if self.windows[1][1] >= self.duration:
                raise ImproperlyConfigured(f"{self.burst_scope} must be a shorter window")

    def parse_rate(self, rate: str | None) -> tuple[int | None, int | None]:
        return (None, None) if rate is None else parse_rate(rate)

    def get_ident(self, request) -> str:
        return client_address(request)

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def allow_request(self, request, view) -> bool:
        if not self.windows:
            return True
        now = self.timer()
        client = self.get_cache_key(request, view)
        counts = self._increment(
            [
                (f"{client}:{seconds}s:{int(now // seconds)}", seconds + 1)
                for _, seconds in self.windows
            ]
        )
        if counts is None:
            return True
        over = [s for (limit, s), n in zip(self.windows, counts, strict=True) if n > limit]
        self.window_end = max(((now // s) + 1) * s for s in over) if over else 0.0
        return not over

    def _increment(self, windows: list[tuple[str, int]]) -> list[int] | None:
        try:
            return increment_in_windows(windows)
        except (RedisError, OSError):
            logger.warning("cache unavailable: %s not rate limited", self.scope)
            return None

    def wait(self) -> float:
        return max(0.0, self.window_end - self.timer())


class OrderThrottle(FixedWindowIpThrottle):
    """`POST /orders/`: generous by default (ORDERS_RATE), a guard against runaway clients."""

    scope = "orders"


class SuggestThrottle(FixedWindowIpThrottle):
    """Suggestions are called on every keystroke: SUGGEST_RATE per client address (120/min),
    at most SUGGEST_BURST (30 in a 10-second window) of them at once."""

    scope = "suggest"
    burst_scope = "suggest_burst"
