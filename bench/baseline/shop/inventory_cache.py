"""Cached inventory pages: a version per store in the key, bumped when the store's stock
changes, so every cached page of that store is invalidated at once (TTL 60 s otherwise)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.core.cache import cache

TTL_SECONDS = 60


def _version_key(store_id: int) -> str:
    return f"inventory-version:{store_id}"


def cached_page(store_id: int, page: int, size: int, build: Callable[[], Any]) -> Any:
    version = cache.get_or_set(_version_key(store_id), 1, timeout=None)
    key = f"inventory:{store_id}:{version}:{page}:{size}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, TTL_SECONDS)
    return value


def invalidate(store_id: int) -> None:
    try:
        cache.incr(_version_key(store_id))
    except ValueError:  # no version yet (or evicted): any new value invalidates
        cache.set(_version_key(store_id), time.time_ns(), timeout=None)
