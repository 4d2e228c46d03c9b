from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .throttles import OrderThrottle, SuggestThrottle

        # A malformed rate refuses to start instead of failing every throttled request.
        for throttle in (OrderThrottle, SuggestThrottle):
            throttle()
