"""Routes of the baseline: the two endpoints under test and the bare reference views."""

from django.urls import path

from .shop import views

urlpatterns = [
    path("orders/", views.OrderPlaceView.as_view()),
    path("stores/<int:store_id>/inventory/", views.StoreInventoryView.as_view()),
    path("bare/cached-list/", views.BareCachedListView.as_view()),
    path("bare/plain/", views.plain_json),
]
