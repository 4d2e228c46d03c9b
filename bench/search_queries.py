"""The search benchmark's queries, derived from the seed's own catalog instead of hand-picked.

Search asks `q=<word>` for words of the catalog's vocabulary (titles, categories and
descriptions, folded to lower case without accents); suggest asks the 3-character prefixes of
title words. A sample always includes the broadest words (most matching products) and the
most common prefixes, where a search or suggest costs the most, then a seeded random draw of
the rest. The list is built from the seed generator at one fixed size (`SOURCE_PRODUCTS`), so
every measured size asks exactly the same queries. Pure: no Django, no database.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from api.seed_catalog import SeedCatalog, SeedSizes, build_catalog

SOURCE_PRODUCTS = 100_000  # the catalog the list comes from, whatever size is measured
WORD = re.compile(r"[a-z0-9]+")
PREFIX_LENGTH = 3  # the shortest `q` the suggest endpoint accepts
SAMPLE_SEED = 14


def fold(text: str) -> str:
    """Lower case, accents stripped (é -> e): how a shopper types."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return WORD.findall(fold(text))


@dataclass(frozen=True)
class Vocabulary:
    """Products per word (a word counts once per product) and title words per prefix."""

    products_per_word: Counter[str]
    title_words_per_prefix: Counter[str]


def vocabulary(products: Iterable[tuple[str, str, str]]) -> Vocabulary:
    """From (title, category, description) triples."""
    per_word: Counter[str] = Counter()
    per_prefix: Counter[str] = Counter()
    for title, category, description in products:
        per_word.update(set(words(f"{title} {category} {description}")))
        title_words = [w for w in words(title) if len(w) >= PREFIX_LENGTH]
        per_prefix.update(w[:PREFIX_LENGTH] for w in title_words)
    return Vocabulary(per_word, per_prefix)


def sample(counts: Counter[str], size: int, always: int, seed: int = SAMPLE_SEED) -> list[str]:
    """`size` keys of `counts` (all of them when size is 0 or larger than the set): the
    `always` most frequent first (ties by name, so the pick is reproducible), then a seeded
    random draw of the rest, each group in descending frequency."""
    ranked = sorted(counts, key=lambda k: (-counts[k], k))
    if size <= 0 or size >= len(ranked):
        return ranked
    head, rest = ranked[:always], ranked[always:]
    drawn = random.Random(seed).sample(rest, max(0, size - len(head)))
    return head + sorted(drawn, key=lambda k: (-counts[k], k))


@dataclass(frozen=True)
class QueryList:
    search: list[str]  # words, for q=<word>
    suggest: list[str]  # 3-character prefixes
    products_per_word: dict[str, int]  # of the source catalog: how broad each search is
    vocabulary_size: int
    prefixes_size: int


def query_list(vocab: Vocabulary, search_size: int, suggest_size: int, always: int = 20):
    search = sample(vocab.products_per_word, search_size, always)
    return QueryList(
        search=search,
        suggest=sample(vocab.title_words_per_prefix, suggest_size, always),
        products_per_word={w: vocab.products_per_word[w] for w in search},
        vocabulary_size=len(vocab.products_per_word),
        prefixes_size=len(vocab.title_words_per_prefix),
    )


def catalog_products(catalog: SeedCatalog) -> list[tuple[str, str, str]]:
    return [(p.title, p.category, p.description) for p in catalog.products]


@lru_cache(maxsize=1)
def source_vocabulary() -> Vocabulary:
    """The vocabulary of `seed_data --products 100000` (its other options at their defaults)."""
    return vocabulary(catalog_products(build_catalog(SeedSizes(products=SOURCE_PRODUCTS))))
