"""The typo-correction lexicon is brought up to date from the new and revised products only,
and equals a full build of the catalog whenever no revision removed a word since the last one
(query_side/search/lexicon.py)."""

import threading
import time

import pytest

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
    return dict(lexicon._full(lexicon._stamp()).lexicon.counts)


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
    deadline = time.monotonic() + 10
    while lexicon._rebuilding and time.monotonic() < deadline:
        time.sleep(0.01)
    for thread in [t for t in threading.enumerate() if t.name == "lexicon-build"]:
        thread.join(timeout=5)  # its flag is cleared as its last step: the return is next
    rebuilt = current()
    assert "milk" not in rebuilt.counts
    assert dict(rebuilt.counts) == full_build()
    assert lexicon._cached.stale_since is None
    assert not [t for t in threading.enumerate() if t.name == "lexicon-build"]


def test_a_catalog_that_shrank_is_built_again_in_full(ctx):
    product(ctx, 1, "Oat Milk", "1.00", "Dairy")
    product(ctx, 2, "Rye Bread", "1.00", "Bakery")
    project()
    assert "bread" in current().counts
    ProductRow.objects.filter(product_id=2).delete()  # as a read model rebuilt from scratch
    assert dict(current().counts) == full_build()
    assert "bread" not in current().counts


def test_warm_builds_the_lexicon_before_the_first_request(ctx):
    product(ctx, 1, "Oat Milk", "1.00", "Dairy")
    project()
    lexicon.warm()
    assert lexicon._cached is not None and "milk" in lexicon._cached.lexicon.counts
