"""Root URLconf."""

from django.urls import include, path

urlpatterns = [path("", include("api.urls"))]
