"""Caching of read results, and their invalidation.

Each store has a version per kind of listing ("inventory", "orders"; store 0 stands for
catalog-wide kinds like "search"), and a global generation covers a crash between a projector's
commit and its bump (a worker bumps it when it starts). A cached value is stamped with the
versions it was built under; one MGET fetches the stamps and the value together, and a stamp
that no longer matches is a miss. A value also records the projection position it was built
from, so a read with `min_position` never accepts a page older than the caller's own write.
Redis is a cache, never the truth: failures are logged and the database answers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.core.cache import cache

from .counters import increment_all

logger = logging.getLogger(__name__)

GENERATION_KEY = "aforro:gen"
TTL_SECONDS = 60
# Part of every value's key: raised when what a value holds changes shape (2: pages carry
# count_is_exact), so a process never reads a value an older release cached.
VALUE_FORMAT = 2


def _version_key(kind: str, scope: int) -> str:
    return f"aforro:v:{kind}:{scope}"


def cached(
    kind: str,
    scope: int,
    parts: tuple,
    build: Callable[[], Any],
    built_position: Callable[[], int] | None,
    min_position: int | None = None,
    also_depends_on: Iterable[tuple[str, int]] = (),
    storable: Callable[[int], bool] | None = None,
) -> Any:
    """The cached value for (kind, scope, parts), or `build()` stored for next time.

    `built_position` reads the projection position the value will be built at, on the
    connection that builds it; None when `build()` itself returns (position, value), read in
    the statement that built it (one round trip less). `storable(position)` False: the value is
    answered but not stored (built from a replica behind the stamps just read)."""
    versions = [_version_key(kind, scope), *(_version_key(k, s) for k, s in also_depends_on)]
    value_key = f"aforro:{VALUE_FORMAT}:{kind}:{scope}:" + ":".join(str(p) for p in parts)
    try:
        found = cache.get_many([GENERATION_KEY, *versions, value_key])
    except Exception:
        logger.warning("cache unavailable; reading %s from the database", value_key)
        found = {}
    stamp = tuple(found.get(k, 0) for k in (GENERATION_KEY, *versions))
    hit = found.get(value_key)
    if hit is not None and hit[0] == stamp and (min_position is None or hit[1] >= min_position):
        return hit[2]
    if built_position is None:
        position, value = build()
    else:
        position = built_position()  # read before the rows, so the rows are at least this new
        value = build()
    if storable is not None and not storable(position):
        return value
    try:
        cache.set(value_key, (stamp, position, value), TTL_SECONDS)
    except Exception:
        logger.warning("cache unavailable; could not store %s", value_key)
    return value


def bump(scopes_by_kind: Mapping[str, Iterable[int]]) -> None:
    """Invalidate the listings of these kinds and scopes (one round trip on Redis)."""
    keys = [_version_key(k, scope) for k, scopes in scopes_by_kind.items() for scope in scopes]
    if keys:
        _increment(keys)


def bump_generation() -> None:
    _increment([GENERATION_KEY])


def _increment(keys: list[str]) -> None:
    try:
        increment_all(keys)
    except Exception:
        logger.warning("cache unavailable: could not invalidate %s", ", ".join(keys))
