"""Routes of the public HTTP API (paths are the contract: docs/api-reference.md), the root URLconf,
and the error handlers Django calls outside a view."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from .views.catalog import ProductRegisterApi, StoreOpenApi
from .views.health import HealthApi
from .views.history import OrderHistoryApi, StockHistoryApi
from .views.metrics import metrics
from .views.orders import OrderCancelApi, OrderPlaceApi
from .views.queries import (
    OrderDetailApi,
    ProductSearchApi,
    ProductSuggestApi,
    StoreInventoryApi,
    StoreOrdersApi,
)
from .views.revisions import ProductReviseApi, StockAdjustApi

# Django tries the routes in order: the keystroke endpoint and search, the most called, first.
urlpatterns = [
    path("api/search/suggest/", ProductSuggestApi.as_view(), name="product-suggest"),
    path("api/search/products/", ProductSearchApi.as_view(), name="product-search"),
    path("orders/", OrderPlaceApi.as_view(), name="order-place"),
    path("stores/", StoreOpenApi.as_view(), name="store-open"),
    path("products/", ProductRegisterApi.as_view(), name="product-register"),
    path("orders/<str:order_id>/cancel/", OrderCancelApi.as_view(), name="order-cancel"),
    path("products/<int:product_id>/", ProductReviseApi.as_view(), name="product-revise"),
    path(
        "stores/<int:store_id>/inventory/<int:product_id>/adjustments/",
        StockAdjustApi.as_view(),
        name="stock-adjust",
    ),
    path("orders/<str:order_id>/", OrderDetailApi.as_view(), name="order-detail"),
    path("stores/<int:store_id>/orders/", StoreOrdersApi.as_view(), name="store-orders"),
    path("stores/<int:store_id>/inventory/", StoreInventoryApi.as_view(), name="store-inventory"),
    path("orders/<uuid:order_id>/history/", OrderHistoryApi.as_view(), name="order-history"),
    path(
        "stores/<int:store_id>/inventory/<int:product_id>/history/",
        StockHistoryApi.as_view(),
        name="stock-history",
    ),
    path("health/", HealthApi.as_view(), name="health"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    # django-prometheus's path and name, behind the scraper check.
    path("metrics", metrics, name="prometheus-django-metrics"),
]
handler400 = "api.errors.bad_request"
handler404 = "api.errors.route_not_found"
handler500 = "api.errors.server_error"
