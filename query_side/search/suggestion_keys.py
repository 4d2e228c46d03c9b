"""The keys of the autocomplete table (read_suggestion, docs/decisions/018): every prefix of
MIN_KEY to MAX_KEY characters that starts where a word of the folded title starts, and the
order of the titles listed under a key.

The projector and the selector both go through `normalise`, so a title and a query meet on the
same text whatever their case, accents or runs of whitespace.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator

from .terms import fold

LIMIT = 10  # titles per key: what the endpoint returns at most
# The endpoint refuses queries under 3 characters, so shorter keys would never be read.
MIN_KEY = 3
# A longer query is answered from the row of its first MAX_KEY characters, or by bounded scans
# when that row is full (selectors/suggest.py). At 100k seeded products 12 makes 182,904 rows,
# 34 MB; the decision record compares 8, 10, 12 and 16.
MAX_KEY = 12

# Where a word starts: the start, or after any character that is not [a-z0-9]; never on a
# space (a normalised query does not start with one).
WORD_START = re.compile(r"(?<![a-z0-9])(?=[^ ])")


def normalise(text: str) -> str:
    """Folded (lower case, no accents) with whitespace runs as one space and none at the ends."""
    # Most titles are ASCII, where folding is lower-casing: a rebuild normalises every title.
    folded = text.lower() if text.isascii() else fold(text)
    return " ".join(folded.split())


def keys(normalised: str) -> Iterator[str]:
    """The table keys of a normalised title, each once. A key ending in a space is left out:
    a normalised query never ends in one."""
    seen = set()
    for match in WORD_START.finditer(normalised):
        i = match.start()
        for end in range(i + MIN_KEY, min(i + MAX_KEY, len(normalised)) + 1):
            key = normalised[i:end]
            if key[-1] != " " and key not in seen:
                seen.add(key)
                yield key


def rank(key: str, title: str, normalised: str) -> tuple[int, int, str]:
    """Titles that start with the key, then those with a word that does; shortest first, then
    by title."""
    return (0 if normalised.startswith(key) else 1, len(title), title)


class Normalised(dict[str, str]):
    """Titles' normalised text, computed once per title."""

    def __missing__(self, title: str) -> str:
        value = self[title] = normalise(title)
        return value


def best(key: str, titles: Iterable[str], normalised: Normalised) -> list[str]:
    """The LIMIT best of `titles` under `key`, best first."""
    ranked = sorted(rank(key, title, normalised[title]) for title in titles)
    return [title for *_, title in ranked[:LIMIT]]


def suggestion_table(titles: Iterable[str]) -> dict[str, list[str]]:
    """Every key of a catalog's titles with its best titles: the whole table, from scratch."""
    normalised = Normalised()
    found: dict[str, set[str]] = defaultdict(set)
    for title in set(titles):
        for key in keys(normalised[title]):
            found[key].add(title)
    return {key: best(key, candidates, normalised) for key, candidates in found.items()}
