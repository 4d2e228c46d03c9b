"""product_search relevance on a small labelled catalog: for everyday queries, typos included,
the product a shopper means is in the top 3, ahead of products that only mention the words in
their description. Runs on whichever database the run uses (SQLite FTS5 or PostgreSQL)."""

import pytest

from query_side.selectors.paging import PageRequest
from query_side.selectors.product_search import SearchParams, product_search
from tests.api.read_fixtures import fresh_read_side, product, project

pytestmark = pytest.mark.django_db

# (title, category, description); product ids are positions from 1. Like the seed catalog, many
# descriptions repeat the title and add a claim and a supplier of any length; the products meant
# by the queries below have long ones, which a ranking that divides by row length punishes.
CATALOG = [
    (
        "Milk 1L",
        "Dairy",
        "Milk 1L from our dairy range. A customer favourite, restocked every"
        " week. Supplied by Hernandez, Martinez and Weber.",
    ),
    ("Oat Milk", "Dairy", "Oat Milk. A plant-based drink."),
    ("Milk Chocolate 100g", "Sweets", "Creamy chocolate bar."),
    ("Chocolate Milkshake", "Drinks", "Ready to drink."),
    ("Cheddar Cheese", "Dairy", "Aged cheese made from cow's milk."),
    ("Salted Butter", "Dairy", "Churned from fresh milk and cream."),
    ("Cappuccino Pods", "Coffee", "Espresso with frothy milk."),
    ("Rice Pudding", "Desserts", "Slow cooked in milk with vanilla."),
    (
        "Brown Bread",
        "Bakery",
        "Brown Bread from our bakery range. Quality you can taste, at a"
        " fair price. Supplied by Gallegos, Adams and White.",
    ),
    ("White Bread", "Bakery", "Soft sandwich loaf."),
    ("Brown Rice 1kg", "Pantry", "Wholegrain long rice."),
    ("Brown Sugar", "Pantry", "Soft light brown sugar."),
    ("Breadcrumbs", "Pantry", "Golden crumbs for coating."),
    ("Peanut Butter", "Pantry", "Crunchy; great on brown bread or toast."),
    ("Bread Knife", "Kitchen", "Serrated blade that slices bread cleanly."),
    ("Sourdough Bread", "Bakery", "Tangy bread with a crisp brown crust."),
    (
        "Green Tea 20 bags",
        "Tea",
        "Green Tea 20 bags from our tea range. Carefully packed to keep"
        " it at its best. Supplied by Morales, Thomas and Schultz.",
    ),
    ("English Breakfast Tea", "Tea", "Strong black tea. Supplied by Reed Inc."),
    ("Teapot", "Kitchen", "Ceramic pot for brewing tea."),
    ("Teaspoons Set", "Kitchen", "Six steel spoons for tea and coffee."),
    ("Lemon", "Produce", "A slice is perfect in tea."),
    ("Honey Jar", "Pantry", "Sweeten your tea or porridge."),
    ("Tea Towel", "Kitchen", "Cotton towel for drying dishes."),
    ("Biscuits", "Bakery", "Butter biscuits to dunk in tea."),
    (
        "Dark Chocolate 70%",
        "Sweets",
        "Dark Chocolate 70% from our sweets range. Sourced from"
        " trusted suppliers. Supplied by Brown, Harris and Dougherty.",
    ),
    ("White Chocolate", "Sweets", "Sweet white chocolate bar."),
    ("Chocolate Chip Cookies 200g", "Bakery", "Cookies with chocolate chips."),
    ("Vanilla Ice Cream", "Frozen", "Best with hot chocolate sauce."),
    ("Strawberries", "Produce", "Dip them in melted chocolate."),
    ("Cocoa Powder", "Baking", "For chocolate cakes and drinks."),
    ("Orange Juice", "Drinks", "Freshly squeezed."),
    ("Apples", "Produce", "Crisp red apples."),
    ("Bananas", "Produce", "Ripe yellow bananas."),
    ("Coffee Beans", "Coffee", "Medium roast; add milk or drink black."),
    ("Pasta", "Pantry", "Durum wheat spaghetti."),
    ("Tomato Sauce", "Pantry", "Rich sauce for pasta."),
    ("Eggs 12", "Dairy", "Free range eggs."),
    ("Yoghurt", "Dairy", "Greek style yoghurt made with whole milk."),
    ("Granola", "Breakfast", "Oats and honey; serve with milk."),
    ("Croissant", "Bakery", "Buttery pastry, lovely with tea or coffee."),
]
EXPECTED = {
    "milk": "Milk 1L",
    "mlik": "Milk 1L",
    "brown bread": "Brown Bread",
    "tea": "Green Tea 20 bags",
    "choclate": "Dark Chocolate 70%",
}


@pytest.fixture
def catalog(ctx, monkeypatch):
    fresh_read_side(ctx, monkeypatch)
    for product_id, (title, category, description) in enumerate(CATALOG, start=1):
        product(ctx, product_id, title, "1.00", category, description)
    project()


def top_titles(q: str, n: int = 3) -> list[str]:
    page = product_search(SearchParams(page=PageRequest(1, n), q=q))
    return [row["title"] for row in page.results]


@pytest.mark.parametrize(("q", "expected"), EXPECTED.items())
def test_the_meant_product_is_in_the_top_3(catalog, q, expected):
    assert expected in top_titles(q)


@pytest.mark.parametrize(
    ("q", "mention_only"),
    [
        ("milk", ["Cheddar Cheese", "Salted Butter", "Rice Pudding", "Granola"]),
        ("brown bread", ["Peanut Butter", "Sourdough Bread"]),
        ("tea", ["Lemon", "Honey Jar", "Biscuits", "Croissant"]),
        ("choclate", ["Vanilla Ice Cream", "Strawberries", "Cocoa Powder"]),
    ],
)
def test_title_matches_outrank_products_that_only_mention_the_words(catalog, q, mention_only):
    ranked = top_titles(q, n=40)
    assert ranked.index(EXPECTED[q]) < min(ranked.index(title) for title in mention_only)


def test_a_catalog_of_40_labelled_products(catalog):
    assert len(CATALOG) == 40
    assert len({title for title, _, _ in CATALOG}) == 40
