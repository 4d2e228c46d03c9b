"""Full-text matching per database, as queryset filters plus a `rank` annotation (higher is
better): PostgreSQL ranks the weighted tsvector (title A > category B > description C);
SQLite scores which columns match, with the same order of weights. (FTS5's bm25 divides by the
length of the whole row, so supplier names and claims in descriptions reordered equally good
title matches: "Green Tea 20 bags" fell out of the top 5 for "tea".)"""

from __future__ import annotations

from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from query_side.read_replicas import read_connection

PG_RANK = "ts_rank_cd(read_product.search, to_tsquery('english', %s))"
PG_MATCH = "read_product.search @@ to_tsquery('english', %s)"
SQLITE_COLUMN_WEIGHTS = {"title": 10, "category": 5, "description": 1}
SQLITE_RANK = " + ".join(
    f"{weight} * (read_product.product_id IN "
    "(SELECT rowid FROM read_product_fts WHERE read_product_fts MATCH %s))"
    for weight in SQLITE_COLUMN_WEIGHTS.values()
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
    if read_connection().vendor == "postgresql":
        query = _postgres_query(terms, "&" if match_all else "|")
        match, rank, rank_params = PG_MATCH, PG_RANK, [query]
    else:
        query = _sqlite_query(terms, "AND" if match_all else "OR")
        match, rank = SQLITE_MATCH, SQLITE_RANK
        rank_params = [f"{{{column}}} : ({query})" for column in SQLITE_COLUMN_WEIGHTS]
    return queryset.extra(where=[match], params=[query]).annotate(rank=RawSQL(rank, rank_params))


def title_like_sql() -> str:
    """The SQL condition (one parameter: a LIKE pattern) on the folded title of read_product,
    trigram-indexed on PostgreSQL."""
    if read_connection().vendor == "postgresql":
        return "aforro_unaccent(lower(read_product.title)) LIKE %s ESCAPE '\\'"
    return "lower(read_product.title) LIKE %s ESCAPE '\\'"


def title_like(queryset: QuerySet, pattern: str) -> QuerySet:
    """Titles matching a LIKE pattern on the folded title."""
    return queryset.extra(where=[title_like_sql()], params=[pattern])
