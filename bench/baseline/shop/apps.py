from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "bench.baseline.shop"
    label = "shop"
