"""Full-text matching per database, as queryset filters plus a `rank` annotation (higher is
better): PostgreSQL ranks the weighted tsvector (title A > category B > description C);
SQLite ranks FTS5 with bm25 and the same column weights."""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

PG_RANK = "ts_rank_cd(read_product.search, to_tsquery('english', %s))"
PG_MATCH = "read_product.search @@ to_tsquery('english', %s)"
SQLITE_RANK = (
    "-(SELECT bm25(read_product_fts, 10.0, 5.0, 1.0) FROM read_product_fts "
    "WHERE read_product_fts MATCH %s AND read_product_fts.rowid = read_product.product_id)"
)
SQLITE_MATCH = "read_product.product_id IN (SELECT rowid FROM read_product_fts WHERE read_product_fts MATCH %s)"  # noqa: E501


def _postgres_query(terms: list[str], joiner: str) -> str:
    return f" {joiner} ".join([*terms[:-1], f"{terms[-1]}:*"])


def _sqlite_query(terms: list[str], joiner: str) -> str:
    return f" {joiner} ".join([*(f'"{t}"' for t in terms[:-1]), f'"{terms[-1]}"*'])


def full_text(queryset: QuerySet, terms: list[str], match_all: bool) -> QuerySet:
    """Products matching every term (or any, when `match_all` is False); the last is a prefix.

    Terms are already reduced to [a-z0-9]+ words, so they are safe inside either query syntax.
    """
    if connection.vendor == "postgresql":
        query = _postgres_query(terms, "&" if match_all else "|")
        match, rank = PG_MATCH, PG_RANK
    else:
        query = _sqlite_query(terms, "AND" if match_all else "OR")
        match, rank = SQLITE_MATCH, SQLITE_RANK
    return queryset.extra(where=[match], params=[query]).annotate(rank=RawSQL(rank, [query]))


def title_like(queryset: QuerySet, pattern: str) -> QuerySet:
    """Titles matching a LIKE pattern on the folded title (trigram-indexed on PostgreSQL)."""
    if connection.vendor == "postgresql":
        clause = "aforro_unaccent(lower(read_product.title)) LIKE %s ESCAPE '\\'"
    else:
        clause = "lower(read_product.title) LIKE %s ESCAPE '\\'"
    return queryset.extra(where=[clause], params=[pattern])
