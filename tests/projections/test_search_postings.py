"""The ranked postings and lexeme dictionary the catalog projector keeps on PostgreSQL
(docs/decisions/019-ranked-postings.md): one posting per lexeme of each product's tsvector,
scored as ts_rank_cd scores that lexeme alone; revisions replace them; a rebuild and the
migration's backfill give the same rows as the live projector."""

import importlib
from decimal import Decimal

import pytest
from django.db import connection

from command_side.catalog_commands import register_product, revise_product
from events.config import event_store_reader
from projections.catch_up import catch_up
from projections.registry import select
from projections.replay import rebuild
from projections.source import EventSource
from query_side.search.postings import any_of

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

BACKFILL = importlib.import_module("query_side.migrations.0010_search_postings").BACKFILL
PRODUCTS = [
    ("Milk 1L", "Dairy", "Milk 1L from our dairy range. Supplied by Reed Inc."),
    ("Oat Milk", "Dairy", "A plant-based drink; milk for the milk-free."),
    ("Zanzibar Tea", "Tea", "Spiced tea from Zanzibar. Supplied by Reed Inc."),
    # Lexemes that tsquery syntax would misread unquoted: a URL, an address, an apostrophe.
    ("Recipe Cards", "Books", "Ideas at example.com/milk:ideas or milk@example.com; O'Brien's."),
    ("Brown Bread", "Bakery", "Brown Bread from our bakery range. Supplied by Brown-Smith."),
]


def rows(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(cursor.fetchall())


def postings() -> list[tuple]:
    return rows("SELECT product_id, term, score, title_length FROM read_search_posting")


def dictionary() -> list[tuple]:
    return rows("SELECT lexeme, documents FROM read_search_lexeme")


def assert_postings_follow_the_products() -> None:
    """Every lexeme of every product's tsvector, scored as ts_rank_cd scores it alone, and a
    dictionary counting the products of each lexeme, as PostgreSQL's own ts_stat does."""
    expected = rows(
        "SELECT p.product_id, l.lexeme, length(p.title) FROM read_product p, unnest(p.search) l"
    )
    assert [(p, t, length) for p, t, _, length in postings()] == expected
    for product_id, term, score, _ in postings():
        # The tsquery is quoted here in Python, in SQL by the projector: two spellings agree.
        (ranked,) = rows(
            "SELECT ts_rank_cd(search, %s::tsquery) FROM read_product WHERE product_id = %s",
            [any_of([term]), product_id],
        )
        assert (term, score) == (term, ranked[0]) and score > 0
    assert dictionary() == rows("SELECT word, ndoc FROM ts_stat('SELECT search FROM read_product')")


def register_all(ctx) -> None:
    for product_id, (title, category, description) in enumerate(PRODUCTS, start=1):
        register_product(ctx, title, description, Decimal("1.00"), category, product_id=product_id)


def test_postings_hold_every_lexeme_scored_as_ts_rank_cd_scores_it_alone(ctx):
    register_all(ctx)
    catch_up(select(["catalog"]))
    assert len(postings()) > 30
    assert ("example.com/milk:ideas",) in [(t,) for _, t, _, _ in postings()]
    assert_postings_follow_the_products()


def test_revisions_replace_postings_and_a_rebuild_gives_the_same_rows(ctx):
    register_all(ctx)
    revise_product(ctx, 2, {"title": "Oat Drink"})  # folded with its registration
    catch_up(select(["catalog"]), batch_size=4)
    revise_product(ctx, 3, {"title": "Spiced Tea", "description": "Spiced black tea."})
    revise_product(ctx, 1, {"price": Decimal("2.00")})  # no word changes
    revise_product(ctx, 5, {"category": "Loaves"})
    catch_up(select(["catalog"]), batch_size=2)
    assert_postings_follow_the_products()
    lexemes = {lexeme for lexeme, _ in dictionary()}
    assert "zanzibar" not in lexemes and {"spice", "loav"} <= lexemes
    assert ("reed", 1) in dictionary()  # product 3 no longer names its supplier
    live = (postings(), dictionary())
    (catalog,) = select(["catalog"])
    rebuild(catalog, EventSource(event_store_reader()), 3, lambda processed: None)
    assert (postings(), dictionary()) == live


def test_the_migrations_backfill_gives_the_live_projectors_rows(ctx):
    register_all(ctx)
    revise_product(ctx, 4, {"description": "Cards of recipes."})
    catch_up(select(["catalog"]))
    live = (postings(), dictionary())
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM read_search_posting")
        cursor.execute("DELETE FROM read_search_lexeme")
        for statement in BACKFILL:
            cursor.execute(statement)
    assert (postings(), dictionary()) == live
