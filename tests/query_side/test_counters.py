"""Cache counters: listing versions and throttle windows, on Redis (PostgreSQL run) or locmem."""

from django.core.cache import cache

from query_side.counters import increment_all, increment_in_windows


def redis_ttl(key: str) -> int:
    client = cache.client.get_client(write=True)
    return client.ttl(cache.client.make_key(key))


def test_increment_all_starts_missing_counters_at_1_and_adds_1_to_each():
    assert increment_all(["a", "b"]) == [1, 1]
    assert increment_all(["a", "b", "c"]) == [2, 2, 1]
    assert cache.get_many(["a", "b", "c"]) == {"a": 2, "b": 2, "c": 1}


def test_a_window_counter_counts_and_its_expiry_is_set_by_the_first_increment_only():
    assert [increment_in_windows([("w", 60)]) for _ in range(3)] == [[1], [2], [3]]
    assert cache.get("w") == 3
    if hasattr(cache, "client"):  # Redis: the expiry is a real TTL, not extended by later hits
        assert 0 < redis_ttl("w") <= 60
        cache.client.get_client(write=True).expire(cache.client.make_key("w"), 5)
        increment_in_windows([("w", 60)])
        assert redis_ttl("w") <= 5


def test_several_window_counters_count_together_each_with_its_own_expiry():
    assert increment_in_windows([("short", 11), ("long", 61)]) == [1, 1]
    assert increment_in_windows([("short", 11), ("long", 61)]) == [2, 2]
    assert increment_in_windows([("long", 61)]) == [3]
    if hasattr(cache, "client"):
        assert 0 < redis_ttl("short") <= 11 < redis_ttl("long") <= 61
