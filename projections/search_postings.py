"""Ranked postings of the products a catalog batch wrote (docs/decisions/019-ranked-postings.md).

After a batch's product rows are written, each product's postings are replaced by those of its
new tsvector (the `aforro_search_postings` SQL function of migration 0010), and the lexeme
dictionary's counts follow: the old postings' lexemes lose a product, the new ones gain one, and
a lexeme no product holds any more leaves the dictionary, as a rebuild would never have added it.
PostgreSQL only: SQLite searches its FTS5 table.
"""

from __future__ import annotations

from collections.abc import Collection

from django.db import connection

from query_side.models import SearchLexeme, SearchPosting

# The catalog projector's tables too: a replay clears and refills them.
POSTING_TABLES = (SearchPosting, SearchLexeme)

# RETURNING shows the updated counts: the lexemes left at 0 may leave the dictionary.
REMOVE = """
    WITH gone AS (
        DELETE FROM read_search_posting WHERE product_id = ANY(%(ids)s) RETURNING term
    ), lost AS (SELECT term, count(*) AS products FROM gone GROUP BY term)
    UPDATE read_search_lexeme AS l SET documents = l.documents - lost.products
    FROM lost WHERE l.lexeme = lost.term
    RETURNING l.lexeme, l.documents"""
ADD = """
    WITH added AS (
        INSERT INTO read_search_posting (product_id, score, title_length, term)
        SELECT * FROM aforro_search_postings(%(ids)s)
        ORDER BY term, score DESC, title_length, product_id  -- the rank index's order: fewer
        RETURNING term                                      -- of its pages to visit
    )
    INSERT INTO read_search_lexeme (lexeme, documents)
    SELECT term, count(*) FROM added GROUP BY term
    ON CONFLICT (lexeme) DO UPDATE SET documents = read_search_lexeme.documents + excluded.documents
"""
# Only the lexemes REMOVE emptied, and only if ADD did not give them a product again.
PRUNE = "DELETE FROM read_search_lexeme WHERE lexeme = ANY(%(terms)s) AND documents = 0"


def replace_postings(product_ids: Collection[int], stored: Collection[int]) -> None:
    """Postings of these products (rows already written in this transaction) from their rows.

    Only the `stored` ones (rows of earlier batches) can have postings to remove: a product
    registered in this batch has none. Skipping them matters at scale, not only for the work:
    the planner, whose statistics of the table are as old as its last ANALYZE (autovacuum may
    be off), reads `product_id = ANY(<500 ids>)` as most of the table and scans all of it, 0.16 s
    a batch at 150k products and growing with the catalog. A batch's few revised products are
    a small enough list for the primary key's index."""
    if not product_ids or connection.vendor != "postgresql":
        return
    ids = sorted(product_ids)
    with connection.cursor() as cursor:
        emptied = []
        if stored:
            cursor.execute(REMOVE, {"ids": sorted(stored)})
            emptied = [lexeme for lexeme, documents in cursor.fetchall() if documents == 0]
        cursor.execute(ADD, {"ids": ids})
        if emptied:
            cursor.execute(PRUNE, {"terms": emptied})
