"""The service's own settings with Django's DummyCache: the search benchmark's server.

Every read through `query_side.cache_keys.cached` then misses and builds its answer, so the
benchmark times the search and suggest themselves, never a cached page; the throttles' counters
(cache increments) never pass 1, so no 429 counts either. Benchmark-only: the service's settings
module has no switch for this, and production must keep its cache.
"""

from aforro_backend.settings import *  # noqa: F403

CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
