"""`seed_baseline`: load the benchmark catalog (bench.dataset) into the baseline's tables, or
with `--products N` the catalog of `seed_data --products N` (its other options at their defaults,
stock as seeded: the search benchmark's catalog)."""

from __future__ import annotations

from datetime import UTC, datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from api.seed_catalog import SeedSizes, build_catalog
from bench import dataset
from bench.baseline.shop.models import Order, OrderItem, Product, Stock, Store

SEEDED_AT = datetime(2025, 1, 1, tzinfo=UTC)


class Command(BaseCommand):
    help = "Replace the baseline's data with the benchmark catalog (same data as seed_data)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--products",
            type=int,
            help="the catalog of `seed_data --products N` instead of the benchmark dataset",
        )

    def handle(self, *args, **options) -> None:
        if options["products"] is None:
            catalog, initial = dataset.catalog(), dataset.initial_stock()
        else:
            sizes = SeedSizes(products=options["products"])
            if sizes.problems():
                raise CommandError("; ".join(sizes.problems()))
            catalog = build_catalog(sizes)
            initial = {(s.store_id, s.product_id): s.quantity for s in catalog.stock}
        with transaction.atomic():
            for model in (OrderItem, Order, Stock, Product, Store):
                model.objects.all().delete()
            Store.objects.bulk_create(
                Store(id=s.store_id, name=s.name, location=s.location) for s in catalog.stores
            )
            Product.objects.bulk_create(
                (
                    Product(
                        id=p.product_id,
                        title=p.title,
                        description=p.description,
                        price=p.price,
                        category=p.category,
                        created_at=SEEDED_AT,
                    )
                    for p in catalog.products
                ),
                batch_size=1000,
            )
            Stock.objects.bulk_create(
                (
                    Stock(store_id=s, product_id=p, quantity=quantity)
                    for (s, p), quantity in initial.items()
                ),
                batch_size=1000,
            )
        self.stdout.write(
            f"baseline seeded: {len(catalog.stores)} stores, {len(catalog.products)} products, "
            f"{len(initial)} stock rows"
        )
