"""The HTTP layer: DRF serializers, views, urls and the one error format. Imports command_side,
query_side and aforro_backend.composition (the composed command context); nothing imports api."""
