"""The typo-correction lexicon is brought up to date from the new and revised products only,
and equals a full build of the catalog whenever no revision removed a word since the last one
(query_side/search/lexicon.py)."""

import threading
import time

import pytest
from django.db import connections

from command_side.catalog_commands import revise_product
from query_side.models import ProductRow
from query_side.search import lexicon
from tests.api.read_fixtures import fresh_read_side, product, project

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ctx(ctx, monkeypatch):
    return fresh_read_side(ctx, monkeypatch)


def current() -> lexicon.Lexicon:
    lexicon._checked_at = 0.0  # the next call reads the catalog's stamp again
    return lexicon.current_lexicon()


def full_build() -> dict[str, int]:
    return dict(lexicon._full().lexicon.counts)


def test_new_products_extend_the_lexicon_without_reading_the_others(ctx):
    product(ctx, 1, "Oat Milk", "1.00", "Dairy")
    project()
    first = current()
    assert "milk" in first.counts
    product(ctx, 2, "Quinoa Flakes", "2.00", "Cereal")
    product(ctx, 3, "Almond Milk", "2.00", "Dairy")
    project()
    # The extension reads only products 2 and 3: product 1's title, changed behind the
    # projector's back, would be counted again by a full build but not by the extension.
    ProductRow.objects.filter(product_id=1).update(title="Oat Drink")
    extended = current()
    assert extended is not first
    assert extended.counts["milk"] == 2 and extended.counts["quinoa"] == 1
    assert "drink" not in extended.counts
    ProductRow.objects.filter(product_id=1).update(title="Oat Milk")
    assert dict(extended.counts) == full_build()
    assert lexicon.corrected_terms(["quinao"]) == ["quinoa"]


def test_a_revised_title_is_known_at_once_and_its_old_words_go_at_the_next_full_build(
    ctx, monkeypatch
):
    product(ctx, 1, "Oat Milk", "1.00", "Dairy")
    product(ctx, 2, "Rye Bread", "1.00", "Bakery")
    project()
    current()
    revise_product(ctx, 1, {"title": "Oat Drink"})
    project()
    assert "drink" in current().counts
    assert lexicon.corrected_terms(["drnik"]) == ["drink"]
    assert "milk" in lexicon._cached.lexicon.counts  # only a full build forgets a word
    assert lexicon._cached.stale_since is not None

    monkeypatch.setattr(lexicon, "FULL_BUILD_AFTER_REVISION_SECONDS", 0.0)
    current()  # starts the full build in a background thread
    lexicon.wait_for_background_build()
    rebuilt = current()
    assert "milk" not in rebuilt.counts
    assert dict(rebuilt.counts) == full_build()
    assert lexicon._cached.stale_since is None
    assert not [t for t in threading.enumerate() if t.name == lexicon.BUILD_THREAD]


def test_a_catalog_that_shrank_is_built_again_in_full_in_the_background(ctx):
    product(ctx, 1, "Oat Milk", "1.00", "Dairy")
    product(ctx, 2, "Rye Bread", "1.00", "Bakery")
    project()
    assert "bread" in current().counts
    ProductRow.objects.filter(product_id=2).delete()  # as a read model rebuilt from scratch
    # The request that noticed does not pay for the full build: it gets the old words.
    assert "bread" in current().counts
    lexicon.wait_for_background_build()
    assert dict(current().counts) == full_build()
    assert "bread" not in current().counts


def test_a_title_committed_between_the_stamp_and_the_read_is_counted_once(ctx):
    product(ctx, 1, "Oat Milk", "1.00", "Dairy")
    project()
    state = lexicon._full()
    product(ctx, 2, "Rye Bread", "1.00", "Bakery")
    project()
    stamp = lexicon._stamp()  # what a request read ...
    product(ctx, 3, "Corn Bread", "1.00", "Bakery")
    project()  # ... before the projector committed product 3
    state = lexicon._extended(state, stamp)
    assert state.lexicon.counts["bread"] == 1  # product 3 waits for the next extension
    state = lexicon._extended(state, lexicon._stamp())
    assert dict(state.lexicon.counts) == full_build()


def test_an_extension_keeps_the_words_sorted(ctx):
    product(ctx, 1, "Oat Milk", "1.00", "Dairy")
    project()
    current()
    product(ctx, 2, "Zesty Apple Cider", "2.00", "Drinks")
    product(ctx, 3, "Basil", "1.00", "Herbs")
    project()
    extended = current()
    assert extended.sorted_words == sorted(full_build())
    assert extended.has_prefix("zes") and extended.has_prefix("basi")


def test_requests_arriving_together_read_the_catalog_stamp_once(ctx, monkeypatch):
    product(ctx, 1, "Oat Milk", "1.00", "Dairy")
    project()
    current()
    stamps = []
    real = lexicon._stamp

    def slow_stamp():
        stamps.append(threading.current_thread().name)
        time.sleep(0.3)  # the others arrive while the first reads the stamp
        return real()

    monkeypatch.setattr(lexicon, "_stamp", slow_stamp)
    lexicon._checked_at = 0.0
    found = []

    def ask():
        try:
            found.append(lexicon.current_lexicon())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=ask, name=f"request-{n}") for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert len(found) == 4 and all("milk" in each.counts for each in found)
    assert len(stamps) == 1, stamps


def test_warm_builds_the_lexicon_before_the_first_request(ctx):
    product(ctx, 1, "Oat Milk", "1.00", "Dairy")
    project()
    lexicon.warm()
    assert lexicon._cached is not None and "milk" in lexicon._cached.lexicon.counts
