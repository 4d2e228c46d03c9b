"""The search benchmark's query list: derived from the catalog, the broadest words always in."""

from collections import Counter

from bench.search_queries import fold, query_list, sample, vocabulary, words

PRODUCTS = [
    ("Crème Fraîche 200ml", "Dairy", "Crème Fraîche from our dairy range."),
    ("Milk 1L", "Dairy", "Milk 1L from our dairy range."),
    ("Oat Milk 1L", "Dairy", "Oat Milk 1L from our dairy range."),
    ("Brown Bread", "Bakery", "Brown Bread from our bakery range."),
]


def test_words_are_folded_to_lower_case_without_accents():
    assert fold("Crème FRAÎCHE") == "creme fraiche"
    assert words("Oat Milk 1L, 4x125g!") == ["oat", "milk", "1l", "4x125g"]


def test_a_word_counts_once_per_product_across_title_category_and_description():
    vocab = vocabulary(PRODUCTS)
    assert vocab.products_per_word["milk"] == 2  # in title and description of two products
    assert vocab.products_per_word["dairy"] == 3
    assert vocab.products_per_word["creme"] == 1
    assert vocab.title_words_per_prefix == Counter(
        {"cre": 1, "fra": 1, "200": 1, "mil": 2, "oat": 1, "bro": 1, "bre": 1}
    )


def test_a_sample_always_holds_the_most_frequent_then_a_reproducible_draw():
    counts = Counter({f"w{i}": i for i in range(1, 101)})
    picked = sample(counts, 30, always=20)
    assert len(picked) == 30 == len(set(picked))
    assert picked[:20] == [f"w{i}" for i in range(100, 80, -1)]
    assert picked == sample(counts, 30, always=20)
    assert sample(counts, 0, always=20) == sorted(counts, key=lambda k: -counts[k])


def test_the_query_list_starts_with_the_broadest_words_and_the_commonest_prefixes():
    queries = query_list(vocabulary(PRODUCTS), search_size=0, suggest_size=0, always=2)
    assert queries.search[:5] == ["from", "our", "range", "dairy", "1l"]
    assert queries.suggest[0] == "mil"
    assert queries.products_per_word["from"] == 4
    assert queries.vocabulary_size == len(queries.search)
