"""Routes of the public HTTP API (paths are the contract in API.md)."""

from django.urls import path

from .views.catalog import ProductRegisterApi, StockReceiveApi, StoreOpenApi
from .views.orders import OrderPlaceApi

urlpatterns = [
    path("orders/", OrderPlaceApi.as_view(), name="order-place"),
    path("stores/", StoreOpenApi.as_view(), name="store-open"),
    path("products/", ProductRegisterApi.as_view(), name="product-register"),
    path("stores/<int:store_id>/inventory/", StockReceiveApi.as_view(), name="stock-receive"),
]
