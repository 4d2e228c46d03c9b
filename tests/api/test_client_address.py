"""The client address of rate limits and /metrics: REMOTE_ADDR unless trusted proxies say more."""

import pytest
from django.test import RequestFactory, override_settings

from api.client_address import client_address

pytestmark = pytest.mark.unit


def address(forwarded_for: str | None = None, remote_addr: str = "10.0.0.9") -> str:
    extra = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for is not None else {}
    return client_address(RequestFactory().get("/", REMOTE_ADDR=remote_addr, **extra))


def test_without_trusted_proxies_the_connecting_address_is_the_client():
    assert address() == "10.0.0.9"
    assert address("198.51.100.1") == "10.0.0.9"
    assert address("198.51.100.1, 198.51.100.2") == "10.0.0.9"


@override_settings(NUM_PROXIES=1)
def test_behind_one_proxy_the_right_most_entry_is_the_client():
    assert address("198.51.100.1, 203.0.113.5") == "203.0.113.5"
    assert address(" 203.0.113.5 ") == "203.0.113.5"


@override_settings(NUM_PROXIES=2)
def test_behind_two_proxies_the_second_entry_from_the_right_is_the_client():
    assert address("198.51.100.1, 203.0.113.5, 10.1.1.1") == "203.0.113.5"


@override_settings(NUM_PROXIES=2)
def test_fewer_entries_than_proxies_take_the_left_most_entry():
    assert address("203.0.113.5") == "203.0.113.5"


@override_settings(NUM_PROXIES=1)
def test_behind_a_proxy_a_request_without_the_header_is_its_connecting_address():
    assert address() == "10.0.0.9"
    assert address("  ") == "10.0.0.9"
    assert address("198.51.100.1, ") == "10.0.0.9"
