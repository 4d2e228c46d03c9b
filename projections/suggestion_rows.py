"""The autocomplete table's rows (read_suggestion, docs/decisions/018) for one catalog batch.

The table holds, for every key, the exact 10 best titles of the current catalog. A new title
can only enter the lists of its own keys, so those rows are read (one query per chunk of keys)
and merged with it. A title that leaves the catalog (a revision renamed its product) may have
been in a list, and the title that should take its place was never stored: those keys are
computed again from read_product, after the batch's product rows are written.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable

import psycopg
from django.db import connection

from query_side.models import ProductRow, SuggestionRow
from query_side.search.suggestion_keys import LIMIT, MIN_KEY, Normalised, best, keys, rank

from .rows import insert_rows

# Keys per `WHERE key IN (...)`: well below SQLite's 32,766 parameters.
CHUNK = 5000
SELECT = f"SELECT key, titles FROM {SuggestionRow._meta.db_table} WHERE key"


def update_suggestions(added: set[str], removed: set[str]) -> None:
    """Fold a batch's title changes into the table (call after the product rows are written)."""
    if not added and not removed:
        return
    normalised = Normalised()
    candidates: dict[str, set[str]] = defaultdict(set)
    for title in added:
        for key in keys(normalised[title]):
            candidates[key].add(title)
    removed_keys = {key for title in removed for key in keys(normalised[title])}
    stored = stored_rows(candidates.keys() | removed_keys)
    stale = {key for key in removed_keys if not removed.isdisjoint(stored.get(key, ()))}
    rows = recomputed(stale, normalised)
    for key, titles in candidates.items():
        if key not in stale:
            merged = merge(key, stored.get(key, []), titles, normalised)
            if merged is not None:
                rows[key] = merged
    changed = [(key, titles) for key, titles in rows.items() if titles != stored.get(key)]
    insert_rows(
        SuggestionRow,
        ("key", "titles"),
        [(key, json.dumps(titles)) for key, titles in changed if titles],
        conflict=("key",),
        update=("titles",),
    )
    emptied = [key for key, titles in changed if not titles]
    for start in range(0, len(emptied), CHUNK):
        SuggestionRow.objects.filter(key__in=emptied[start : start + CHUNK]).delete()


def merge(
    key: str, stored: list[str], titles: set[str], normalised: Normalised
) -> list[str] | None:
    """The key's list with `titles` added, or None when none of them makes its top 10 (most
    batches leave the lists of short, common keys as they are)."""
    if not stored and len(titles) == 1:
        return list(titles)  # a key new to the table with one title (most long keys)
    fresh = titles.difference(stored)
    if not fresh:
        return None
    if len(stored) == LIMIT:
        worst = rank(key, stored[-1], normalised[stored[-1]])
        fresh = {t for t in fresh if rank(key, t, normalised[t]) < worst}
        if not fresh:
            return None
    return best(key, fresh.union(stored), normalised)


def stored_rows(keys: Iterable[str]) -> dict[str, list[str]]:
    """The stored lists of `keys` (those that have a row). Plain SQL: a rebuild of 100k products
    reads over a million rows, and the ORM's per-row work was a third of the projector's time.
    PostgreSQL binds the chunk on the server as one array, SQLite as a list of parameters."""
    keys = sorted(keys)
    stored: dict[str, list[str]] = {}
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        if connection.vendor == "postgresql":
            connection.ensure_connection()
            with psycopg.Cursor(connection.connection) as cursor:
                cursor.execute(f"{SELECT} = ANY(%b::text[])", [chunk], prepare=True)
                found = cursor.fetchall()
        else:
            with connection.cursor() as cursor:
                cursor.execute(f"{SELECT} IN ({', '.join(['%s'] * len(chunk))})", chunk)
                found = cursor.fetchall()
        stored.update((key, json.loads(titles)) for key, titles in found)
    return stored


def recomputed(stale: set[str], normalised: Normalised) -> dict[str, list[str]]:
    """The rows of `stale` keys from read_product: one pass over every title. Only a batch with
    a revision that renames a product whose old title was in some top 10 gets here, and
    revisions are rare next to registrations and stock events, so a pass (0.2 to 0.4 s at 100k
    products) is cheaper than keeping an index that could list a key's 11th title."""
    if not stale:
        return {}
    # A title can hold a stale key only where one of the keys' first MIN_KEY characters
    # starts a word: a C-speed search rules out almost every title before the exact check.
    # It runs on the lower-cased title (any run of whitespace for a space), which finds every
    # ASCII title the normalised text would, without normalising them all.
    heads = sorted({key[:MIN_KEY] for key in stale})
    loose = (r"\s+".join(map(re.escape, head.split(" "))) for head in heads)
    might = re.compile("(?<![a-z0-9])(?:" + "|".join(loose) + ")")
    found: dict[str, set[str]] = {key: set() for key in stale}
    for title in set(ProductRow.objects.values_list("title", flat=True)):
        if might.search(title.lower() if title.isascii() else normalised[title]):
            for key in stale.intersection(keys(normalised[title])):
                found[key].add(title)
    return {key: best(key, titles, normalised) for key, titles in found.items()}
