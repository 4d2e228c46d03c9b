from django.apps import AppConfig


class QuerySideConfig(AppConfig):
    name = "query_side"
    default_auto_field = "django.db.models.BigAutoField"
