"""product_suggestions: up to 10 distinct titles for autocomplete: titles that start with the
query, then titles with a word that starts with it (shortest first in each group), then titles
that contain it elsewhere, then titles of the typo-corrected query.

The first two groups are one primary-key read of read_suggestion (docs/decisions/018), whatever
the number of products sharing the prefix; the later groups run only when fewer than 10 titles
were found, and every query reads a bounded number of rows.
"""

from __future__ import annotations

import json
import re

from query_side.models import ProductRow, SuggestionRow
from query_side.search.backends import title_like
from query_side.search.lexicon import corrected_terms
from query_side.search.suggestion_keys import LIMIT, MAX_KEY, MIN_KEY, Normalised, best, normalise
from query_side.search.terms import WORD, words

# Rows read for a query the table has no key for (longer than MAX_KEY): such long matches are
# few (at 100k products, a 13-character prefix is in at most a few dozen titles).
LONG_QUERY_ROWS = 200


def product_suggestions(q: str) -> list[str]:
    needle = normalise(q)
    found = _word_starts(needle)
    if len(found) < LIMIT:
        found += _titles(f"%{_escape_like(needle)}%", found, LIMIT - len(found))
    terms = words(needle)
    if len(found) < LIMIT and terms:
        corrected = iter(corrected_terms(terms))
        fixed = WORD.sub(lambda _: next(corrected), needle)  # keeps the query's separators
        if fixed != needle:
            found += [t for t in _word_starts(fixed) if t not in found][: LIMIT - len(found)]
    return found


def _word_starts(needle: str) -> list[str]:
    """Titles starting with `needle`, then titles with a word that does: its row of the table,
    or, for a needle the table has no key for, a bounded scan."""
    if MIN_KEY <= len(needle) <= MAX_KEY:
        row = SuggestionRow.objects.filter(key=needle).values_list("titles", flat=True)[:1]
        return json.loads(row[0]) if row else []
    # Any whitespace between the words in SQL; the exact check is on the normalised title.
    pattern = "%" + "%".join(_escape_like(part) for part in needle.split(" ")) + "%"
    rows = title_like(ProductRow.objects.all(), pattern).values_list("title", flat=True)
    at_word = re.compile(r"(?<![a-z0-9])" + re.escape(needle))
    normalised = Normalised()
    titles = {t for t in rows[:LONG_QUERY_ROWS] if at_word.search(normalised[t])}
    return best(needle, titles, normalised)


def _titles(pattern: str, exclude: list[str], limit: int) -> list[str]:
    """Other titles matching `pattern`, shortest first among the first few found (sorting every
    match of a common word would cost more than a keystroke can afford; at 100k products each
    extra candidate is a few more rows scanned: five per suggestion put p95 over 10 ms)."""
    rows = title_like(ProductRow.objects.all(), pattern).exclude(title__in=exclude)
    found = list(dict.fromkeys(rows.values_list("title", flat=True)[: limit * 2]))
    return sorted(found, key=lambda t: (len(t), t))[:limit]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
