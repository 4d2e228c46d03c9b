from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ProjectionsConfig(AppConfig):
    name = "projections"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .event_store_schema import create_event_store_schema

        # `migrate` creates the event store's tables; serving processes never do.
        post_migrate.connect(create_event_store_schema, sender=self)
