"""Cache keys of read endpoints and their invalidation.

Each store has a version per kind of listing ("inventory", "orders"); a key embeds it, so bumping
the version after a projector commits makes every cached page of that store unreachable at once.
A global generation, bumped when a projector worker starts, covers a crash between a commit and
its bump. Redis is a cache, never the truth: failures here are logged and ignored.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.core.cache import cache

logger = logging.getLogger(__name__)

GENERATION_KEY = "aforro:gen"


def _version_key(kind: str, store_id: int | str) -> str:
    return f"aforro:v:{kind}:{store_id}"


def listing_key(kind: str, store_id: int | str, *parts: object) -> str:
    """The key of one cached page; changes whenever the store's rows of that kind change."""
    try:
        values = cache.get_many([GENERATION_KEY, _version_key(kind, store_id)])
    except Exception:
        logger.warning("cache unavailable while building key for %s/%s", kind, store_id)
        values = {}
    generation = values.get(GENERATION_KEY, 0)
    version = values.get(_version_key(kind, store_id), 0)
    suffix = ":".join(str(p) for p in parts)
    return f"aforro:{kind}:{store_id}:{generation}:{version}:{suffix}"


def bump(kind: str, store_ids: Iterable[int | str]) -> None:
    for store_id in store_ids:
        key = _version_key(kind, store_id)
        try:
            if cache.add(key, 1, timeout=None) is False:
                cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=None)
        except Exception:
            logger.warning("cache unavailable: could not invalidate %s", key)


def bump_generation() -> None:
    try:
        if cache.add(GENERATION_KEY, 1, timeout=None) is False:
            cache.incr(GENERATION_KEY)
    except Exception:
        logger.warning("cache unavailable: could not bump the cache generation")
