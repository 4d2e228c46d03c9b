"""Read tables. Each is written only by its projector and can be dropped and rebuilt from the
event store; the projector's checkpoint commits in the same transaction as its rows."""

from __future__ import annotations

from django.db import models


class ProjectionCheckpoint(models.Model):
    """The last event position a projection has folded into its tables."""

    name = models.CharField(primary_key=True, max_length=64)
    position = models.BigIntegerField(default=0)
    event_time = models.DateTimeField(null=True)  # recorded time of that event, for lag in s

    class Meta:
        db_table = "read_projection_checkpoint"


class ProjectionHeartbeat(models.Model):
    """When a worker last showed it runs a projection (docs/decisions/011). Its own table, not
    a column of the checkpoint: a replay holds the checkpoint row's lock for minutes."""

    name = models.CharField(primary_key=True, max_length=64)
    seen_at = models.DateTimeField()
    holder = models.CharField(max_length=200)  # host:pid of the worker, for operators

    class Meta:
        db_table = "projection_worker"


class StoreRow(models.Model):
    store_id = models.IntegerField(primary_key=True)
    name = models.CharField(max_length=200)
    location = models.CharField(max_length=200)
    opened_at = models.DateTimeField()

    class Meta:
        db_table = "read_store"


class ProductRow(models.Model):
    """The catalog and product search table. On PostgreSQL a migration adds a weighted tsvector
    (generated column) with a GIN index and a trigram index on the title."""

    product_id = models.IntegerField(primary_key=True)
    title = models.CharField(max_length=200)
    description = models.TextField()
    category = models.CharField(max_length=100)
    category_key = models.CharField(max_length=100)  # lower-cased, for exact category filters
    category_id = models.IntegerField(default=0)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    created_at = models.DateTimeField()
    # Position of the product's latest revision (null: never revised): with the top product id,
    # a cheap indexed stamp of "the catalog's words changed" (search/lexicon.py). Nullable, so
    # SQLite adds the column in place: rebuilding the table would drop its FTS triggers.
    revised_position = models.BigIntegerField(null=True)

    class Meta:
        db_table = "read_product"
        indexes = [
            models.Index(fields=["price", "product_id"], name="read_product_price"),
            models.Index(fields=["-created_at", "-product_id"], name="read_product_newest"),
            models.Index(fields=["category_key"], name="read_product_category"),
            models.Index(fields=["category_id"], name="read_product_category_id"),
            models.Index(fields=["revised_position"], name="read_product_revised"),
        ]


class InventoryRow(models.Model):
    """One store's stock of one product, with the product's title, category and price."""

    store_id = models.IntegerField()
    product_id = models.IntegerField()
    product_title = models.CharField(max_length=200)
    title_key = models.CharField(max_length=200)  # lower-cased title: A→Z, case-insensitive
    category = models.CharField(max_length=100)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    quantity = models.IntegerField()

    class Meta:
        db_table = "read_inventory"
        constraints = [
            models.UniqueConstraint(fields=["store_id", "product_id"], name="read_inventory_item")
        ]
        indexes = [
            models.Index(
                fields=["store_id", "title_key", "product_id"], name="read_inventory_by_title"
            ),
            # Not on quantity: every order rewrites quantities, and an unindexed column lets
            # PostgreSQL update in place (HOT) instead of touching every index.
            models.Index(fields=["product_id"], name="read_inventory_by_product"),
        ]


class OrderRow(models.Model):
    order_id = models.UUIDField(primary_key=True)
    store_id = models.IntegerField()
    status = models.CharField(max_length=16)
    created_at = models.DateTimeField()
    total_items = models.IntegerField()
    total_quantity = models.IntegerField()
    rejection_reasons = models.JSONField(default=list)
    position = models.BigIntegerField()  # of the order's newest event
    cancelled_at = models.DateTimeField(null=True)
    cancellation_reason = models.CharField(
        max_length=200, default="", db_default=""
    )  # with cancelled_at

    class Meta:
        db_table = "read_order"
        indexes = [
            models.Index(
                fields=["store_id", "-created_at", "-order_id"], name="read_order_store_newest"
            )
        ]


class OrderStatusCount(models.Model):
    """How many read_order rows have each status, kept by the same projector in the same
    transaction: /metrics reads three rows instead of counting the table (docs/decisions/010)."""

    status = models.CharField(primary_key=True, max_length=16)
    orders = models.BigIntegerField()

    class Meta:
        db_table = "read_order_status_count"


class OrderLineRow(models.Model):
    # No database constraint or index of its own: the projector writes an order and its lines
    # in one transaction, the unique (order, line_no) index serves lookups by order, and
    # checking a foreign key per line row made rebuilds markedly slower.
    order = models.ForeignKey(
        OrderRow,
        related_name="lines",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
    )
    line_no = models.SmallIntegerField()
    product_id = models.IntegerField()
    product_title = models.CharField(max_length=200)
    quantity_requested = models.IntegerField()

    class Meta:
        db_table = "read_order_line"
        constraints = [
            models.UniqueConstraint(fields=["order", "line_no"], name="read_order_line_no")
        ]


class CategoryRow(models.Model):
    """Categories in order of first appearance: ids are stable across rebuilds."""

    category_id = models.IntegerField(primary_key=True)
    name = models.CharField(max_length=100)
    key = models.CharField(max_length=100, unique=True)  # lower-cased name

    class Meta:
        db_table = "read_category"


class SuggestionRow(models.Model):
    """Autocomplete: for each key (a prefix of a word of a folded title, search/suggestion_keys
    .py), the 10 best titles, so a keystroke reads one row whatever the catalog's size
    (docs/decisions/018). Kept exact by the catalog projector (projections/suggestion_rows.py)."""

    key = models.CharField(primary_key=True, max_length=64)
    # A JSON list of at most 10 titles, best first. Text, not a JSONField: the projector reads
    # and writes thousands of rows per batch, and plain text skips the ORM's per-value adapters.
    titles = models.TextField()

    class Meta:
        db_table = "read_suggestion"


class RealField(models.FloatField):
    """A 4-byte float: the precision of ts_rank_cd, which is what a posting's score holds."""

    def db_type(self, connection) -> str:
        return "real"


class SearchPosting(models.Model):
    """One lexeme of one product's search text, with the rank ts_rank_cd gives that product for
    that lexeme alone (docs/decisions/019-ranked-postings.md). Filled by the catalog projector
    on PostgreSQL only; the index serves the best products for a word in relevance order, so a
    one-word search reads a page of postings instead of ranking every match."""

    product = models.ForeignKey(
        ProductRow,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="postings",
    )
    score = RealField()
    title_length = models.IntegerField()  # ties: the shorter title first, as relevance sorts
    term = models.TextField()
    pk = models.CompositePrimaryKey("product_id", "term")  # also how a revision finds them

    class Meta:
        db_table = "read_search_posting"
        indexes = [
            models.Index(
                fields=["term", "-score", "title_length", "product"],
                name="read_search_posting_rank",
            )
        ]


class SearchLexeme(models.Model):
    """Every lexeme of the catalog's search text and how many products hold it: a prefix
    query expands to the most frequent lexemes starting with it (PostgreSQL only)."""

    lexeme = models.TextField(primary_key=True)
    documents = models.IntegerField()

    class Meta:
        db_table = "read_search_lexeme"
