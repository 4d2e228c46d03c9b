"""One-word relevance search read from the ranked postings (PostgreSQL; docs/decisions/019).

The word is a prefix, as the tsvector path reads it (`milk:*`): its stem expands to the lexemes
of the dictionary that start with it, the MAX_EXPANSION most frequent. Each lexeme's postings
are kept in relevance order (score, then the shorter title, then product id), so the top of a
page is the first `offset + page_size` postings of each lexeme that pass the filters, merged:
its cost follows the page, not the number of matches.
"""

from __future__ import annotations

from django.db.models import Max, Min, Q, QuerySet

from query_side.models import SearchLexeme, SearchPosting
from query_side.read_replicas import read_connection

# Lexemes a prefix reads at most (docs/api-reference.md, `q`); the most frequent win.
MAX_EXPANSION = 32
STEMS = "SELECT tsvector_to_array(to_tsvector('english', %s))"
HOLDERS = "SELECT array_agg(product_id) FROM read_search_posting WHERE term = ANY(%s)"
WALK = "SELECT product_id, score, title_length FROM read_search_posting WHERE term = %s"
# A product reached through several lexemes ranks by its best one: ts_rank_cd over the tsvector
# adds them up instead (docs/decisions/019). Equal scores: the shorter title, then the lower id.
MERGE = (
    "SELECT product_id, max(score) AS best, min(title_length) AS length FROM ({hits}) hits "
    "GROUP BY product_id ORDER BY best DESC, length, product_id LIMIT %s OFFSET %s"
)


def expansion(term: str) -> dict[str, int]:
    """The lexemes a search for `term` reads, with how many products hold each."""
    with read_connection().cursor() as cursor:
        cursor.execute(STEMS, [term])
        (stems,) = cursor.fetchone()
    if not stems:  # a stop word: the tsvector path matches nothing either
        return {}
    starts = Q()
    for stem in stems:
        starts |= Q(lexeme__startswith=stem)
    lexemes = SearchLexeme.objects.filter(starts).order_by("-documents", "lexeme")
    return dict(lexemes.values_list("lexeme", "documents")[:MAX_EXPANSION])


def count_up_to(rows: QuerySet, documents: dict[str, int], filtered: bool, most: int) -> int:
    """How many products of `rows` hold one of the lexemes, counting no further than `most`.

    Unfiltered, the dictionary's counts answer when one lexeme alone reaches `most`, or when
    there is only one; else the lexemes' products are told apart (`_union_up_to`). With
    filters, the tsvector (GIN) or the filters' own indexes find the matches."""
    if not filtered:
        if max(documents.values()) >= most:
            return most
        if len(documents) == 1:
            return next(iter(documents.values()))
        return _union_up_to(documents, most)
    holders = rows.extra(where=["read_product.search @@ %s::tsquery"], params=[any_of(documents)])
    return holders.values("product_id")[:most].count()


def _union_up_to(documents: dict[str, int], most: int) -> int:
    """How many products hold one of the lexemes (fewer than `most` each), up to `most`.

    The products' ids are gathered in memory, most frequent lexemes first and only as many
    lexemes at a time as could still be needed to reach `most`: a family like `1` (1kg, 1l,
    100g, ... 30k products together) stops after about `most` ids instead of deduplicating
    all of them (a hash of every posting took three times as long)."""
    seen: set[int] = set()
    pending = list(documents.items())  # most frequent first, as expansion() orders them
    with read_connection().cursor() as cursor:
        while pending and len(seen) < most:
            chunk, needed = [], most - len(seen)
            while pending and needed > 0:
                lexeme, holders = pending.pop(0)
                chunk.append(lexeme)
                needed -= holders
            cursor.execute(HOLDERS, [chunk])
            seen.update(cursor.fetchone()[0] or ())
    return min(len(seen), most)


def any_of(lexemes) -> str:
    """A tsquery text matching any of the lexemes exactly (quoted: taken as they are)."""
    quoted = ("'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'" for lexeme in lexemes)
    return " | ".join(quoted)


def ranked_ids(
    rows: QuerySet | None, documents: dict[str, int], offset: int, limit: int, matches: int
) -> list[int]:
    """Ids of the products holding one of the lexemes from `offset`, in relevance order; with
    `rows` (filtered products), only those, `matches` of them as counted."""
    if rows is not None and _walk_is_longer(documents, offset + limit, matches):
        return _ranked_few(rows, list(documents), offset, limit)
    # One branch per lexeme, written here rather than by the ORM: building and compiling up to
    # 32 querysets cost more than the search itself. Each names its lexeme, so the planner
    # sees how common it is when it weighs walking its postings against the filters' indexes.
    where, where_params = "", []
    if rows is not None:
        filtered, where_params = rows.values("product_id").query.sql_with_params()
        where = f" AND product_id IN ({filtered})"
    branch = f"({WALK}{where} ORDER BY score DESC, title_length, product_id LIMIT %s)"
    params = [value for lexeme in documents for value in (lexeme, *where_params, offset + limit)]
    hits = " UNION ALL ".join([branch] * len(documents))
    with read_connection().cursor() as cursor:
        cursor.execute(MERGE.format(hits=hits), [*params, limit, offset])
        return [product_id for product_id, _, _ in cursor.fetchall()]


def _walk_is_longer(documents: dict[str, int], depth: int, matches: int) -> bool:
    """Whether walking the postings in order would read more of them than there are matches.

    With filters passing `matches` of the lexemes' products, about one posting in
    (documents / matches) passes: reaching `depth` of them reads depth * documents / matches."""
    return depth * sum(documents.values()) > matches * matches


def _ranked_few(rows: QuerySet, lexemes: list[str], offset: int, limit: int) -> list[int]:
    """The few filtered matches first, then their postings of the lexemes, ranked as merged."""
    postings = SearchPosting.objects.filter(product__in=rows.values("product_id"), term__in=lexemes)
    best = (
        postings.values("product_id")
        .annotate(best=Max("score"), length=Min("title_length"))
        .order_by("-best", "length", "product_id")
    )
    return list(best.values_list("product_id", flat=True)[offset : offset + limit])
