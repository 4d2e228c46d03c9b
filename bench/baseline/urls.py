"""Routes of the baseline: the endpoints under test and the bare reference views."""

from django.urls import path

from .shop import search_views, views

urlpatterns = [
    path("orders/", views.OrderPlaceView.as_view()),
    path("stores/<int:store_id>/inventory/", views.StoreInventoryView.as_view()),
    path("api/search/products/", search_views.ProductSearchView.as_view()),
    path("api/search/suggest/", search_views.ProductSuggestView.as_view()),
    path("bare/cached-list/", views.BareCachedListView.as_view()),
    path("bare/plain/", views.plain_json),
    path("floor/api/search/suggest/", search_views.SuggestFloorView.as_view()),
]
