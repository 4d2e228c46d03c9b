"""product_search: keyword search with filters, sorts and paging (docs/api-reference.md)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from django.conf import settings
from django.db.models import Exists, FloatField, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Length

from query_side.models import InventoryRow, ProductRow
from query_side.read_replicas import read_connection
from query_side.search.backends import full_text
from query_side.search.lexicon import corrected_terms
from query_side.search.postings import count_up_to, expansion, ranked_ids
from query_side.search.terms import words

from .paging import Page, PageRequest, bounded, check_in_range, money, page_at, row_count
from .store_orders import iso_utc

SORTS = {
    # Equally relevant: the shorter, more focused title first ("Milk 1L" before "Milk Chocolate").
    "relevance": ("-rank", Length("title"), "product_id"),
    "price": ("price", "product_id"),
    "-price": ("-price", "product_id"),
    "newest": ("-created_at", "-product_id"),
}
FIELDS = ("product_id", "title", "description", "price", "category", "created_at")


@dataclass(frozen=True)
class SearchParams:
    page: PageRequest
    q: str | None = None
    category: str | int | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    store_id: int | None = None
    in_stock: bool | None = None
    sort: str | None = None


def _filtered(params: SearchParams) -> QuerySet:
    rows = ProductRow.objects.all()
    if isinstance(params.category, int):
        rows = rows.filter(category_id=params.category)
    elif params.category:
        rows = rows.filter(category_key=params.category.lower())
    if params.min_price is not None:
        rows = rows.filter(price__gte=params.min_price)
    if params.max_price is not None:
        rows = rows.filter(price__lte=params.max_price)
    if params.in_stock is not None:
        stocked = InventoryRow.objects.filter(product_id=OuterRef("product_id"), quantity__gt=0)
        if params.store_id is not None:
            stocked = stocked.filter(store_id=params.store_id)
        rows = rows.filter(Exists(stocked)) if params.in_stock else rows.exclude(Exists(stocked))
    if params.store_id is not None:
        quantity = InventoryRow.objects.filter(
            store_id=params.store_id, product_id=OuterRef("product_id")
        ).values("quantity")[:1]
        rows = rows.annotate(
            store_quantity=Coalesce(Subquery(quantity), Value(0), output_field=IntegerField())
        )
    return rows


def _is_filtered(params: SearchParams) -> bool:
    """Whether `_filtered` leaves out any product (`store_id` alone only adds a column)."""
    limits = (params.min_price, params.max_price, params.in_stock)
    return bool(params.category) or any(limit is not None for limit in limits)


def _matching(rows: QuerySet, terms: list[str]) -> QuerySet:
    if not terms:  # only punctuation: nothing matches, and there is still a rank to sort by
        return rows.annotate(rank=Value(0.0, output_field=FloatField())).none()
    every = full_text(rows, terms, match_all=True)
    if len(terms) == 1 or every.exists():
        return every
    return full_text(rows, terms, match_all=False)


def product_search(params: SearchParams) -> Page:
    rows = _filtered(params)
    sort = params.sort or ("relevance" if params.q else "newest")
    fields = (*FIELDS, "store_quantity") if params.store_id is not None else FIELDS
    if params.q:
        terms = corrected_terms(words(params.q))
        # One word by relevance: the top of the ranked postings, however many products match.
        # Several words (an AND of few matches) and other sorts rank or sort the tsvector's
        # matches (docs/decisions/019-ranked-postings.md).
        if len(terms) == 1 and sort == "relevance" and read_connection().vendor == "postgresql":
            page = _ranked_by_postings(rows, terms[0], params, fields)
            return _rendered(page, params)
        rows = _matching(rows, terms)
    elif sort == "relevance":
        sort = "newest"  # nothing to rank by without a query
    # Only a keyword search can match the whole catalog: other lists are counted exactly.
    counted = row_count(rows, settings.SEARCH_COUNT_LIMIT if params.q else None)
    ordered = rows.order_by(*_ordering(sort, bool(params.q), many=not counted[1]))
    return _rendered(page_at(ordered, fields, params.page, counted), params)


def _ranked_by_postings(rows: QuerySet, term: str, params: SearchParams, fields) -> Page:
    limit = settings.SEARCH_COUNT_LIMIT
    documents = expansion(term)
    filtered = _is_filtered(params)
    counted = count_up_to(rows, documents, filtered, limit + 1) if documents else 0
    count, exact = bounded(counted, limit)
    check_in_range(count, params.page)
    offset = params.page.offset
    size = min(params.page.page_size, count - offset)  # nothing past the counted matches
    if size <= 0:
        return Page(count, params.page.page, params.page.page_size, [], exact)
    ids = ranked_ids(rows if filtered else None, documents, offset, size, counted)
    found = {row["product_id"]: row for row in rows.filter(pk__in=ids).values(*fields)}
    # A revision committed between the two reads may have taken a product out of the filters.
    results = [found[product_id] for product_id in ids if product_id in found]
    return Page(count, params.page.page, params.page.page_size, results, exact)


def _rendered(page: Page, params: SearchParams) -> Page:
    results = [result_row(row, params.store_id is not None) for row in page.results]
    return replace(page, results=results)


def _ordering(sort: str, has_query: bool, many: bool) -> tuple:
    """A keyword with no more matches than the bounded count: sort them, rather than walk the
    price index in order testing each product against the query (PostgreSQL guesses that plan,
    and it is slow when the few matches are cheap or dear). `price + 0` is the same order
    without the index. More matches than that (`many`): walk the index, a page costs about
    page end x catalog / matches rows, where sorting them all cost 80 to 100 ms at 100k
    products ("pack", 34k matches) on every page."""
    if has_query and not many and sort in ("price", "-price"):
        by_price = RawSQL("read_product.price + 0", [])
        return (by_price.desc() if sort == "-price" else by_price.asc(), "product_id")
    return SORTS[sort]


def result_row(row: dict, with_store_quantity: bool) -> dict:
    result = {
        "id": row["product_id"],
        "title": row["title"],
        "description": row["description"],
        "price": money(row["price"]),
        "category": row["category"],
        "created_at": iso_utc(row["created_at"]),
    }
    if with_store_quantity:
        result["store_quantity"] = row["store_quantity"]
    return result
