"""The seed's reproducible catalog (stores, products, stock) and the batches that append it.

`build_catalog` is pure: the same sizes and seed give the same specs (for one Faker version).
Imports only `command_side` (the bulk specs and handlers it feeds).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import accumulate, zip_longest
from typing import Any

from faker import Faker
from faker.providers.company.en_US import Provider as CompanyData
from faker.providers.person.en_US import Provider as PersonData

from command_side.bulk_commands import (
    BulkResult,
    ProductSpec,
    StockSpec,
    StoreSpec,
    open_stores,
    register_products,
    stock_new_items,
)
from command_side.context import CommandContext

MAX_STOCK_QUANTITY = 500
# Store 1 / product 1 is the README's sample order: keep it well stocked.
SAMPLE_ITEM_QUANTITY = (250, MAX_STOCK_QUANTITY)
QUALIFIERS = ("Organic", "Premium", "Classic", "Value", "Everyday", "Select", "Original", "Fresh")
CLAIMS = (
    "Great value for everyday shopping.",
    "A customer favourite, restocked every week.",
    "Sourced from trusted suppliers.",
    "Carefully packed to keep it at its best.",
    "Quality you can taste, at a fair price.",
    "Ideal for the weekly shop.",
)


@dataclass(frozen=True)
class Category:
    name: str
    price_cents: tuple[int, int]
    titles: tuple[str, ...]


def _category(name: str, low: int, high: int, titles: str) -> Category:
    # Titles are written as one ";"-separated text so the table stays a page long.
    return Category(name, (low, high), tuple(t.strip() for t in titles.split(";")))


# fmt: off
CATEGORIES: tuple[Category, ...] = (
    _category("Dairy", 59, 899, "Milk 1L; Whole Milk 2L; Skimmed Milk 1L; Semi-Skimmed Milk 1L;"
        " Oat Milk 1L; Almond Milk 1L; Cheddar Cheese 200g; Mozzarella 125g; Parmesan Wedge 150g;"
        " Greek Yogurt 500g; Strawberry Yogurt 4x125g; Salted Butter 250g; Unsalted Butter 250g;"
        " Double Cream 300ml; Sour Cream 200ml; Cottage Cheese 300g; Feta Cheese 200g;"
        " Free Range Eggs 12 pack"),
    _category("Bakery", 79, 499, "Brown Bread; White Bread; Wholemeal Bread 800g; Sourdough Loaf;"
        " Rye Bread; Multigrain Bread; Butter Croissants 4 pack; Plain Bagels 5 pack;"
        " Blueberry Muffins 4 pack; Pitta Bread 6 pack; Tortilla Wraps 8 pack; Baguette;"
        " Cinnamon Rolls 4 pack; Crumpets 6 pack; Hot Cross Buns 4 pack; Brioche Buns 6 pack"),
    _category("Beverages", 49, 1299, "Green Tea 20 bags; English Breakfast Tea 80 bags;"
        " Earl Grey Tea 50 bags; Chamomile Tea 20 bags; Peppermint Tea 20 bags;"
        " Ground Coffee 250g; Instant Coffee 200g; Coffee Beans 1kg; Orange Juice 1L;"
        " Apple Juice 1L; Sparkling Water 1.5L; Still Water 6x500ml; Cola 2L; Lemonade 1.5L;"
        " Hot Chocolate 400g; Lemon Iced Tea 1.5L"),
    _category("Snacks", 59, 599, "Dark Chocolate 70%; Milk Chocolate 100g; White Chocolate 100g;"
        " Chocolate Chip Cookies 200g; Salted Crisps 150g; Salt and Vinegar Crisps 150g;"
        " Tortilla Chips 200g; Salted Peanuts 200g; Mixed Nuts 300g; Sweet and Salty Popcorn 100g;"
        " Digestive Biscuits 400g; Oat Cereal Bars 6 pack; Pretzels 175g; Rice Cakes 130g;"
        " Trail Mix 250g; Gummy Bears 200g"),
    _category("Produce", 39, 699, "Bananas 1kg; Gala Apples 6 pack; Oranges 1kg; Lemons 4 pack;"
        " Avocados 2 pack; Strawberries 400g; Blueberries 150g; Seedless Grapes 500g; Carrots 1kg;"
        " Potatoes 2.5kg; Red Onions 1kg; Garlic Bulbs 3 pack; Cherry Tomatoes 250g; Cucumber;"
        " Iceberg Lettuce; Baby Spinach 200g; Broccoli; Red Peppers 3 pack"),
    _category("Meat", 199, 1999, "Chicken Breast Fillets 500g; Whole Chicken 1.5kg;"
        " Beef Mince 500g; Sirloin Steak 250g; Pork Sausages 6 pack; Smoked Bacon 200g;"
        " Pork Chops 4 pack; Lamb Leg Steaks 300g; Cooked Ham Slices 120g;"
        " Turkey Breast Slices 100g; Chicken Thighs 1kg; Beef Burgers 4 pack; Salami Slices 100g;"
        " Chorizo 200g"),
    _category("Seafood", 199, 2499, "Salmon Fillets 2 pack; Cod Fillets 400g; King Prawns 200g;"
        " Tuna Chunks in Brine 3x160g; Smoked Salmon 100g; Sardines in Olive Oil 120g;"
        " Mackerel Fillets 200g; Fish Fingers 10 pack; Mussels 1kg; Sea Bass Fillets 2 pack;"
        " Crab Sticks 250g; Anchovies 50g"),
    _category("Frozen", 99, 899, "Frozen Peas 1kg; Frozen Sweetcorn 500g;"
        " Frozen Mixed Vegetables 1kg; Oven Chips 1.5kg; Margherita Pizza; Pepperoni Pizza;"
        " Vanilla Ice Cream 1L; Chocolate Ice Cream 1L; Frozen Berries 500g;"
        " Frozen Spinach 450g; Chicken Nuggets 500g; Frozen Prawns 300g; Frozen Waffles 8 pack;"
        " Veggie Burgers 4 pack"),
    _category("Pantry", 49, 999, "Basmati Rice 1kg; Long Grain Rice 1kg; Spaghetti 500g;"
        " Penne Pasta 500g; Plain Flour 1.5kg; Caster Sugar 1kg; Extra Virgin Olive Oil 500ml;"
        " Sunflower Oil 1L; Chopped Tomatoes 400g; Baked Beans 415g; Chickpeas 400g;"
        " Red Lentils 500g; Rolled Oats 1kg; Cornflakes 500g; Peanut Butter 340g;"
        " Strawberry Jam 340g; Honey 340g; Tomato Ketchup 500ml; Mayonnaise 400ml;"
        " Sea Salt 350g; Black Pepper 100g; Chicken Stock Cubes 10 pack; Soy Sauce 150ml;"
        " Balsamic Vinegar 250ml"),
    _category("Household", 99, 1499, "Washing Up Liquid 500ml; Laundry Detergent 2L;"
        " Fabric Softener 1L; Toilet Paper 9 rolls; Kitchen Roll 2 pack; Bin Bags 20 pack;"
        " Dishwasher Tablets 30 pack; All Purpose Cleaner 750ml; Bleach 1L; Glass Cleaner 500ml;"
        " Aluminium Foil 10m; Cling Film 30m; Sponges 5 pack; Light Bulbs 2 pack;"
        " AA Batteries 4 pack"),
    _category("Personal Care", 99, 1599, "Toothpaste 75ml; Soft Toothbrush 2 pack;"
        " Shampoo 400ml; Conditioner 400ml; Shower Gel 250ml; Hand Soap 250ml;"
        " Deodorant Spray 150ml; Body Lotion 400ml; Sunscreen SPF 50 200ml; Cotton Buds 200 pack;"
        " Razors 4 pack; Tissues 3 pack; Lip Balm; Mouthwash 500ml"),
    _category("Baby", 149, 1999, "Baby Wipes 64 pack; Nappies Size 4 44 pack; Baby Formula 800g;"
        " Baby Rice 100g; Baby Shampoo 300ml; Fruit Puree Pouches 4 pack;"
        " Teething Biscuits 100g; Nappy Cream 100g; Baby Lotion 200ml; Baby Porridge 200g"),
)
# fmt: on


@dataclass(frozen=True)
class SeedSizes:
    stores: int = 20
    products: int = 1000
    stock_per_store: int = 300
    categories: int = len(CATEGORIES)
    seed: int = 42

    def problems(self) -> list[str]:
        """What is wrong with these sizes, as messages naming the option; empty when valid."""
        found = []
        if self.stores < 1:
            found.append("--stores must be at least 1")
        if self.products < 1:
            found.append("--products must be at least 1")
        elif not 1 <= self.stock_per_store <= self.products:
            found.append(f"--stock-per-store must be between 1 and --products ({self.products})")
        if not 1 <= self.categories <= len(CATEGORIES):
            found.append(f"--categories must be between 1 and {len(CATEGORIES)}")
        return found


@dataclass(frozen=True)
class SeedCatalog:
    stores: tuple[StoreSpec, ...]
    products: tuple[ProductSpec, ...]
    stock: tuple[StockSpec, ...]

    @property
    def size(self) -> int:
        """How many aggregates the catalog creates."""
        return len(self.stores) + len(self.products) + len(self.stock)


def curated_titles(categories: Sequence[Category] = CATEGORIES) -> list[tuple[Category, str]]:
    """The curated titles, taking one of each category in turn so product 1 is "Milk 1L" and any
    prefix of the list spans every category."""
    rounds = zip_longest(*[[(c, t) for t in c.titles] for c in categories])
    return [pair for row in rounds for pair in row if pair is not None]


def build_catalog(sizes: SeedSizes) -> SeedCatalog:
    if sizes.problems():
        raise ValueError("; ".join(sizes.problems()))
    rng = random.Random(sizes.seed)
    fake = Faker("en_US")
    fake.seed_instance(sizes.seed)
    return SeedCatalog(
        stores=tuple(_stores(sizes.stores, fake)),
        products=tuple(_products(sizes, rng)),
        stock=tuple(_stock(sizes, rng)),
    )


def _stores(count: int, fake: Faker) -> list[StoreSpec]:
    specs, names = [], set()
    for store_id in range(1, count + 1):
        city = fake.city()
        name = f"Aforro {city}" if f"Aforro {city}" not in names else f"Aforro {city} {store_id}"
        names.add(name)
        specs.append(StoreSpec(store_id, name, f"{fake.street_address()}, {city}"))
    return specs


class _Surnames:
    """Faker's en_US surnames and company names, drawn by their weights with the seed's `rng`.
    Faker's own `last_name()` and `company()` rebuild the cumulative weights on every call:
    building a 1,000,000-product catalog spent ten minutes there before its first append."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.names = list(PersonData.last_names)
        self.weights = list(accumulate(PersonData.last_names.values()))

    def surname(self) -> str:
        return self.rng.choices(self.names, cum_weights=self.weights)[0]

    def company(self) -> str:
        """One of Faker's three en_US company shapes."""
        shape = self.rng.randrange(3)
        if shape == 0:
            return f"{self.surname()} {self.rng.choice(CompanyData.company_suffixes)}"
        if shape == 1:
            return f"{self.surname()}-{self.surname()}"
        return f"{self.surname()}, {self.surname()} and {self.surname()}"


def _products(sizes: SeedSizes, rng: random.Random) -> list[ProductSpec]:
    categories = CATEGORIES[: sizes.categories]
    chosen = curated_titles(categories)[: sizes.products]
    titles = {title for _, title in chosen}
    people = _Surnames(rng)
    while len(chosen) < sizes.products:
        category = rng.choice(categories)
        qualifier = f"{rng.choice(QUALIFIERS)} " if rng.random() < 0.5 else ""
        title = f"{people.surname()} {qualifier}{rng.choice(category.titles)}"
        if title not in titles:  # a repeat is rare; drawing again keeps titles unique
            titles.add(title)
            chosen.append((category, title))
    return [
        _product(product_id, category, title, rng, people)
        for product_id, (category, title) in enumerate(chosen, start=1)
    ]


def _product(
    product_id: int, category: Category, title: str, rng: random.Random, people: _Surnames
) -> ProductSpec:
    description = (
        f"{title} from our {category.name.lower()} range. {rng.choice(CLAIMS)}"
        f" Supplied by {people.company()}."
    )
    price = Decimal(rng.randint(*category.price_cents)).scaleb(-2)
    return ProductSpec(product_id, title, description, price, category.name)


def _stock(sizes: SeedSizes, rng: random.Random) -> list[StockSpec]:
    specs = [StockSpec(1, 1, rng.randint(*SAMPLE_ITEM_QUANTITY))]
    others = rng.sample(range(2, sizes.products + 1), sizes.stock_per_store - 1)
    specs += [StockSpec(1, p, rng.randint(1, MAX_STOCK_QUANTITY)) for p in sorted(others)]
    for store_id in range(2, sizes.stores + 1):
        products = sorted(rng.sample(range(1, sizes.products + 1), sizes.stock_per_store))
        specs += [StockSpec(store_id, p, rng.randint(1, MAX_STOCK_QUANTITY)) for p in products]
    return specs


Append = Callable[[CommandContext, Sequence[Any]], BulkResult]


@dataclass(frozen=True)
class SeedBatch:
    """Specs of one kind that the bulk handler appends in one atomic append."""

    kind: str
    specs: tuple[Any, ...]
    append: Append


def seed_batches(catalog: SeedCatalog, batch_size: int) -> list[SeedBatch]:
    """Stores, then products, then stock: what each step refers to exists before it."""
    steps: list[tuple[str, tuple[Any, ...], Append]] = [
        ("stores", catalog.stores, open_stores),
        ("products", catalog.products, register_products),
        ("stock items", catalog.stock, stock_new_items),
    ]
    return [
        SeedBatch(kind, specs[start : start + batch_size], append)
        for kind, specs, append in steps
        for start in range(0, len(specs), batch_size)
    ]
