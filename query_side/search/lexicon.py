"""The words of product titles and categories, for correcting typos ("mlik" → "milk").

Kept in process memory and rebuilt when the catalog changes (checked at most once a second),
so correcting a query costs a dictionary lookup and, for unknown words, one C-speed scan of
optimal-string-alignment distances, which counts a transposition as one edit.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections import Counter

from django.db.models import Max
from rapidfuzz import process
from rapidfuzz.distance import OSA

from query_side.models import ProductRow

from .terms import words

REFRESH_SECONDS = 1.0


class Lexicon:
    def __init__(self, counts: Counter[str]) -> None:
        self.counts = counts
        self.sorted_words = sorted(counts)

    def has_prefix(self, prefix: str) -> bool:
        i = bisect.bisect_left(self.sorted_words, prefix)
        return i < len(self.sorted_words) and self.sorted_words[i].startswith(prefix)

    def correct(self, word: str) -> str | None:
        """The closest known word within 1 edit (2 for words of 6+ letters), or None."""
        if len(word) < 3:
            return None
        limit = 1 if len(word) < 6 else 2
        matches = process.extract(
            word, self.sorted_words, scorer=OSA.distance, score_cutoff=limit, limit=8
        )
        if not matches:
            return None
        best = min(matches, key=lambda m: (m[1], -self.counts[m[0]], m[0]))
        return best[0]


_lock = threading.Lock()
_cached: tuple[tuple[int, int], Lexicon] | None = None
_checked_at = 0.0


def current_lexicon() -> Lexicon:
    global _cached, _checked_at
    now = time.monotonic()
    if _cached is not None and now - _checked_at < REFRESH_SECONDS:
        return _cached[1]
    # Products are added with growing ids and revisions record their position: the two tops
    # are a cheap (indexed) stamp of the catalog's words.
    tops = ProductRow.objects.aggregate(top=Max("product_id"), revised=Max("revised_position"))
    stamp = (tops["top"] or 0, tops["revised"] or 0)
    with _lock:
        _checked_at = now
        if _cached is None or _cached[0] != stamp:
            counts: Counter[str] = Counter()
            for title, category in ProductRow.objects.values_list("title", "category"):
                counts.update(words(title))
                counts.update(words(category))
            _cached = (stamp, Lexicon(counts))
        return _cached[1]


def corrected_terms(terms: list[str]) -> list[str]:
    """Each term as typed when known (or, for the last, a known prefix), else its correction."""
    lexicon = current_lexicon()
    out = []
    for i, term in enumerate(terms):
        is_last = i == len(terms) - 1
        if term in lexicon.counts or (is_last and lexicon.has_prefix(term)):
            out.append(term)
        else:
            out.append(lexicon.correct(term) or term)
    return out
