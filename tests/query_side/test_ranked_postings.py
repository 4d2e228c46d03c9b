"""One-word relevance search from the ranked postings (PostgreSQL; docs/decisions/019): the
same order as ranking the tsvector's matches with ts_rank_cd, a capped prefix expansion that
the count follows, and the documented difference for products holding several lexemes."""

import pytest

from query_side.models import ProductRow
from query_side.search import postings
from query_side.search.backends import full_text
from query_side.search.lexicon import corrected_terms
from query_side.search.terms import words
from query_side.selectors.paging import PageRequest
from query_side.selectors.product_search import SORTS, SearchParams, product_search
from tests.api.read_fixtures import fresh_read_side, product, project

from .test_relevance import CATALOG

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def ctx(ctx, monkeypatch):
    return fresh_read_side(ctx, monkeypatch)


def register(ctx, catalog: list[tuple[str, str, str]]) -> None:
    for product_id, (title, category, description) in enumerate(catalog, start=1):
        product(ctx, product_id, title, "1.00", category, description)
    project()


def searched(q: str, page_size: int = 100) -> list[int]:
    page = product_search(SearchParams(page=PageRequest(1, page_size), q=q))
    return [row["id"] for row in page.results]


def ranked_by_the_tsvector(term: str) -> list[int]:
    """What the tsvector path answers for one word: every match ranked with ts_rank_cd."""
    matches = full_text(ProductRow.objects.all(), [term], match_all=True)
    return list(matches.order_by(*SORTS["relevance"]).values_list("product_id", flat=True))


def test_a_word_of_one_lexeme_ranks_as_ts_rank_cd_ranks_every_match(ctx):
    register(ctx, CATALOG)
    vocabulary = {w for entry in CATALOG for text in entry for w in words(text)}
    compared = 0
    for word in sorted(vocabulary):
        (term,) = corrected_terms([word])
        if len(postings.expansion(term)) != 1:
            continue
        assert searched(word) == ranked_by_the_tsvector(term), word
        compared += 1
    assert compared > 100


def test_a_product_holding_several_lexemes_of_the_prefix_ranks_by_its_best_one(ctx):
    # "Packaging Pack": 'packag' 1.0 and 'pack' 1.0, which ts_rank_cd over the tsvector adds up
    # to 2.0, a tie that its shorter title would win; its best lexeme alone scores 1.0.
    register(ctx, [("Packaging Pack", "Home", ""), ("Pack Pack Value Box XL", "Home", "")])
    assert searched("pack") == [2, 1]
    assert ranked_by_the_tsvector("pack") == [1, 2]


def test_a_prefix_reads_its_most_frequent_lexemes_only_and_counts_those(ctx, monkeypatch):
    register(
        ctx,
        [
            ("Tea", "Drinks", ""),
            ("Green Tea", "Drinks", ""),
            ("Teapot", "Kitchen", ""),
            ("Teapot Lid", "Kitchen", ""),
            ("Teaspoon", "Kitchen", ""),
        ],
    )
    assert postings.expansion("tea") == {"tea": 2, "teapot": 2, "teaspoon": 1}
    monkeypatch.setattr(postings, "MAX_EXPANSION", 2)
    page = product_search(SearchParams(page=PageRequest(1, 10), q="tea"))
    assert (page.count, page.count_is_exact) == (4, True)
    assert [row["id"] for row in page.results] == [1, 3, 2, 4]


def test_a_stop_word_matches_nothing_as_the_tsvector_does(ctx):
    register(ctx, CATALOG)
    assert postings.expansion("the") == {}
    assert searched("the") == ranked_by_the_tsvector("the") == []


@pytest.mark.parametrize("page_size", [1, 3, 40])
def test_both_ways_of_ranking_filtered_matches_agree(ctx, page_size):
    """Walking each lexeme's postings in order, or ranking the few filtered matches' postings:
    ranked_ids picks one by cost, and they must answer the same pages."""
    register(ctx, CATALOG)
    dairy = ProductRow.objects.filter(category_key="dairy")
    for word in ("milk", "m", "c", "brown"):
        documents = postings.expansion(word)
        matches = postings.count_up_to(dairy, documents, True, 1000)
        walked, few = [], []
        for offset in range(0, matches, page_size):
            walked += postings.ranked_ids(dairy, documents, offset, page_size, matches=10**6)
            few += postings.ranked_ids(dairy, documents, offset, page_size, matches=0)
        assert walked == few and len(walked) == matches, word


@pytest.mark.parametrize(("limit", "expected"), [(10, (5, True)), (5, (5, True)), (4, (4, False))])
def test_a_prefixs_lexemes_are_counted_together_once_each_up_to_the_limit(
    ctx, settings, limit, expected
):
    register(
        ctx,
        [
            ("Tea", "Drinks", ""),
            ("Teapot and Tea", "Kitchen", ""),  # two lexemes of the prefix: one product
            ("Teapot", "Kitchen", ""),
            ("Teaspoon", "Kitchen", ""),
            ("Teaspoon Set", "Kitchen", ""),
            ("Coffee", "Drinks", ""),
        ],
    )
    settings.SEARCH_COUNT_LIMIT = limit
    page = product_search(SearchParams(page=PageRequest(1, 10), q="tea"))
    assert (page.count, page.count_is_exact) == expected
    assert len(page.results) == expected[0]
