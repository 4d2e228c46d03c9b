"""product_suggestions: up to 10 distinct titles for autocomplete: titles that start with the
query, then titles with a word that starts with it (shortest first in each group), then titles
that contain it elsewhere, then titles of the typo-corrected query.

The first two groups are one primary-key read of read_suggestion (docs/decisions/018), whatever
the number of products sharing the prefix; the later groups run only when fewer than 10 titles
were found, and every query reads a bounded number of rows. A query the table can answer alone
costs one round trip: the titles containing it ride in the same statement, and PostgreSQL skips
their scan when the row is full.
"""

from __future__ import annotations

import json
import re

from query_side.models import ProductRow, ProjectionCheckpoint, SuggestionRow
from query_side.prepared import prepared_cursor
from query_side.projection_names import CATALOG
from query_side.read_replicas import read_connection
from query_side.search.backends import title_like, title_like_sql
from query_side.search.lexicon import corrected_terms
from query_side.search.suggestion_keys import LIMIT, MAX_KEY, MIN_KEY, Normalised, best, normalise
from query_side.search.terms import WORD, words
from query_side.selectors.projection_progress import projection_position

# Rows read (twice: title starts, then titles containing it) for a query longer than MAX_KEY
# whose first MAX_KEY characters have a full row: the table cannot list all its matches. At
# 100k seeded products, 209 of the 45,841 13-character word starts are in more titles than
# this (at most 1,321: "fillets 2 pac"), and only those get the best of the titles read.
LONG_QUERY_ROWS = 200


# Titles containing the query read beside its row: enough for `_others` whatever the row
# holds (it keeps twice the free places, after dropping up to LIMIT - 1 titles already listed).
CONTAINING_ROWS = 2 * LIMIT


def product_suggestions(q: str) -> tuple[int, list[str]]:
    """The catalog projection's position, read before or with the titles, and the titles."""
    needle = normalise(q)
    if MIN_KEY <= len(needle) <= MAX_KEY:
        position, found, containing = _row_and_containing(needle)
        found += _others(containing, found, LIMIT - len(found))
    else:
        position = projection_position(CATALOG)
        found = _word_starts(needle)
        if len(found) < LIMIT:
            found += _titles(f"%{_escape_like(needle)}%", found, LIMIT - len(found))
    terms = words(needle)
    if len(found) < LIMIT and terms:
        corrected = iter(corrected_terms(terms))
        fixed = WORD.sub(lambda _: next(corrected), needle)  # keeps the query's separators
        if fixed != needle:
            found += [t for t in _word_starts(fixed) if t not in found][: LIMIT - len(found)]
    return position, found


def _word_starts(needle: str) -> list[str]:
    """Titles starting with `needle`, then titles with a word that does, best first."""
    if len(needle) < MIN_KEY:  # only when folding shortened the query
        return _scanned(needle)
    listed = _row(needle[:MAX_KEY].rstrip(" "))  # no key ends in a space
    if len(needle) <= MAX_KEY:
        return listed
    if len(listed) < LIMIT:
        # Not full: the row of the needle's first characters lists every title with a word
        # starting with them, so it holds every match of the longer needle too.
        return _ranked(needle, listed)
    return _scanned(needle)


def _row_and_containing(needle: str) -> tuple[int, list[str], list[str]]:
    """The catalog projection's position, the needle's row, and (unless the row is full) the
    first titles that contain it: one statement (one snapshot), so a keystroke costs one round
    trip to the database and the position is exactly the one the titles were read at."""
    db = read_connection()
    titles = "titles::json" if db.vendor == "postgresql" else "titles"
    sql = f"""
        SELECT NULL, NULL, position FROM {ProjectionCheckpoint._meta.db_table} WHERE name = %s
        UNION ALL
        SELECT titles, NULL, NULL FROM {SuggestionRow._meta.db_table} WHERE key = %s
        UNION ALL
        SELECT NULL, title, NULL FROM (
            SELECT read_product.title FROM read_product WHERE {title_like_sql()}
            AND NOT EXISTS (SELECT 1 FROM {SuggestionRow._meta.db_table} WHERE key = %s
                AND json_array_length({titles}) >= %s)
            LIMIT %s
        ) AS containing"""
    pattern = f"%{_escape_like(needle)}%"
    with prepared_cursor(db) as cursor:
        cursor.execute(sql, [CATALOG, needle, pattern, needle, LIMIT, CONTAINING_ROWS])
        rows = cursor.fetchall()
    position = next((position for _, _, position in rows if position is not None), 0)
    listed = next((json.loads(titles) for titles, _, _ in rows if titles is not None), [])
    return position, listed, [title for _, title, _ in rows if title is not None]


def _row(key: str) -> list[str]:
    with prepared_cursor(read_connection()) as cursor:  # a keystroke's cost is this read
        cursor.execute(f"SELECT titles FROM {SuggestionRow._meta.db_table} WHERE key = %s", [key])
        row = cursor.fetchone()
    return json.loads(row[0]) if row else []


def _scanned(needle: str) -> list[str]:
    """The matches of a needle the table cannot answer alone, from at most LONG_QUERY_ROWS
    titles starting with it (the title prefix index) and as many containing it: exact unless
    more titles than that match (then the best of those found)."""
    starting = title_like(ProductRow.objects.all(), f"{_escape_like(needle)}%")
    # Any whitespace between the words in SQL; the exact check is on the normalised title.
    pattern = "%" + "%".join(_escape_like(part) for part in needle.split(" ")) + "%"
    containing = title_like(ProductRow.objects.all(), pattern)
    found = [
        *starting.values_list("title", flat=True)[:LONG_QUERY_ROWS],
        *containing.values_list("title", flat=True)[:LONG_QUERY_ROWS],
    ]
    return _ranked(needle, found)


def _ranked(needle: str, titles: list[str]) -> list[str]:
    """The titles with a word starting with `needle`, best first."""
    at_word = re.compile(r"(?<![a-z0-9])" + re.escape(needle))
    normalised = Normalised()
    return best(needle, {t for t in titles if at_word.search(normalised[t])}, normalised)


def _titles(pattern: str, exclude: list[str], limit: int) -> list[str]:
    """Other titles matching `pattern`, shortest first among the first few found (sorting every
    match of a common word would cost more than a keystroke can afford; at 100k products each
    extra candidate is a few more rows scanned: five per suggestion put p95 over 10 ms)."""
    rows = title_like(ProductRow.objects.all(), pattern).exclude(title__in=exclude)
    return _others(list(rows.values_list("title", flat=True)[: limit * 2]), exclude, limit)


def _others(titles: list[str], exclude: list[str], limit: int) -> list[str]:
    """The best `limit` of the first `limit * 2` titles not excluded, each once."""
    found = dict.fromkeys([t for t in titles if t not in exclude][: limit * 2])
    return sorted(found, key=lambda t: (len(t), t))[:limit]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
