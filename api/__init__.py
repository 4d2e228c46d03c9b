"""The HTTP layer: DRF serializers, views, urls and the one error format. Imports command_side
and query_side; nothing imports api."""
