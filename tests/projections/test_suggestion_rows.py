"""The autocomplete table (read_suggestion) after any registrations and revisions equals the
table computed from scratch over read_product, and a rebuild equals the live table."""

import json
import random
import string
from decimal import Decimal

import pytest

from command_side.catalog_commands import register_product, revise_product
from events.config import event_store_reader
from projections.catch_up import catch_up
from projections.registry import select
from projections.replay import rebuild
from projections.source import EventSource
from query_side.models import ProductRow, SuggestionRow
from query_side.search.suggestion_keys import MAX_KEY, MIN_KEY, normalise

pytestmark = pytest.mark.django_db

ALNUM = set(string.ascii_lowercase + string.digits)


def from_scratch(titles: list[str]) -> dict[str, list[str]]:
    """The table as the issue defines it, by brute force: for every word start of every folded
    title, its prefixes of MIN_KEY to MAX_KEY characters (none ending in a space), each listing
    the 10 distinct titles with a word starting with it: those starting with it first, then
    shortest first, then by title."""
    folded = {title: normalise(title) for title in set(titles)}
    starts = {
        title: [i for i in range(len(f)) if f[i] != " " and (i == 0 or f[i - 1] not in ALNUM)]
        for title, f in folded.items()
    }
    wanted = {
        folded[title][i : i + k]
        for title in folded
        for i in starts[title]
        for k in range(MIN_KEY, MAX_KEY + 1)
        if i + k <= len(folded[title]) and folded[title][i + k - 1] != " "
    }
    table = {}
    for key in wanted:
        ranked = sorted(
            (0 if folded[t].startswith(key) else 1, len(t), t)
            for t in folded
            if any(folded[t].startswith(key, i) for i in starts[t])
        )
        table[key] = [t for *_, t in ranked[:10]]
    return table


def stored_table() -> dict[str, list[str]]:
    return {key: json.loads(titles) for key, titles in SuggestionRow.objects.values_list()}


def assert_table_is_exact() -> None:
    titles = list(ProductRow.objects.values_list("title", flat=True))
    assert stored_table() == from_scratch(titles)


def project(batch_size: int = 500) -> None:
    catch_up(select(["catalog"]), batch_size=batch_size)


def register(ctx, product_id: int, title: str) -> None:
    register_product(ctx, title, "", Decimal("1.00"), "Pantry", product_id=product_id)


def projected_catalog(ctx, titles: list[str], batch_size: int = 500) -> None:
    """Products 1, 2, ... with these titles, projected."""
    for product_id, title in enumerate(titles, start=1):
        register(ctx, product_id, title)
    project(batch_size)


def rename(ctx, product_id: int, title: str) -> None:
    revise_product(ctx, product_id, {"title": title})


def row(key: str) -> list[str]:
    return stored_table().get(key, [])


TEAS = [f"Tea {'x' * n}" for n in range(1, 13)]  # 12 titles under "tea", lengths 5 to 16


def test_registrations_in_batches_of_any_size_give_the_exact_table(ctx):
    others = ["Green Tea", "Tearoom Blend Loose Leaf", "Steak", "Crème  Brûlée", "Semi-Skimmed"]
    projected_catalog(ctx, [*TEAS, *others], batch_size=4)
    assert_table_is_exact()
    assert row("tea") == TEAS[:10]  # a full row: the 10 shortest that start with "tea"
    assert row("creme brule") == ["Crème  Brûlée"]  # folded, whitespace runs as one space
    assert row("ski") == ["Semi-Skimmed"]  # a word starts after the hyphen
    assert row("eak") == []  # not at a word start


def test_renaming_a_top_10_title_brings_in_the_11th(ctx):
    projected_catalog(ctx, TEAS)
    rename(ctx, 3, "Coffee")
    project()
    assert row("tea") == [t for t in TEAS if t != TEAS[2]][:10]
    assert_table_is_exact()


def test_a_title_another_product_still_has_stays_suggested(ctx):
    projected_catalog(ctx, ["Green Tea", "Green Tea"])
    rename(ctx, 1, "Black Tea")
    project()
    assert row("green") == ["Green Tea"]
    assert row("tea") == ["Black Tea", "Green Tea"]
    rename(ctx, 2, "White Tea")
    project()
    assert row("green") == []
    assert_table_is_exact()


def test_a_revision_to_a_shorter_title_enters_a_full_top_10(ctx):
    projected_catalog(ctx, [*TEAS, "Oat Milk"])
    rename(ctx, 13, "Tea")
    project()
    assert row("tea") == ["Tea", *TEAS[:9]]
    assert row("oat") == []
    assert_table_is_exact()


def test_renames_inside_one_batch_leave_only_the_final_titles(ctx):
    projected_catalog(ctx, ["Rye Bread", "Oat Bread"])
    register(ctx, 3, "Spelt Bread")
    rename(ctx, 3, "Corn Bread")  # registered and renamed in the same batch
    rename(ctx, 1, "Oat Bread")  # the two swap titles
    rename(ctx, 2, "Rye Bread")
    rename(ctx, 1, "Brioche")
    project()
    assert row("spe") == row("oat") == []
    assert row("bread") == ["Rye Bread", "Corn Bread"]
    assert_table_is_exact()


def test_a_recomputed_row_finds_the_next_title_whatever_its_spacing(ctx):
    # "X  Te Long" is the 11th title under "x t", and shares no other key with "X Te0".
    projected_catalog(ctx, [f"X Te{n}" for n in range(10)] + ["X  Te Long"])
    rename(ctx, 1, "Coffee")
    project()
    assert row("x t")[-1] == "X  Te Long"
    assert_table_is_exact()


WORDS = ["tea", "team", "tear", "green", "greek", "gr", "oat", "oats", "milk", "mild", "x"]


def random_title(rng: random.Random) -> str:
    separator = rng.choice([" ", " ", "  ", "-"])
    return separator.join(rng.choice(WORDS).capitalize() for _ in range(rng.randrange(1, 4)))


def test_any_sequence_of_registrations_and_revisions_keeps_it_exact_and_a_rebuild_equal(ctx):
    rng = random.Random(14)
    products = 0
    for _ in range(12):
        for _ in range(rng.randrange(1, 15)):
            if products and rng.random() < 0.4:
                rename(ctx, rng.randrange(1, products + 1), random_title(rng))
            else:
                products += 1
                register(ctx, products, random_title(rng))
        project(batch_size=rng.choice([1, 3, 50]))
        assert_table_is_exact()
    assert any(len(titles) == 10 for titles in stored_table().values())
    assert ProductRow.objects.filter(revised_position__isnull=False).count() > 10
    live = stored_table()
    rebuild(select(["catalog"])[0], EventSource(event_store_reader()), 7, lambda _: None)
    assert stored_table() == live
