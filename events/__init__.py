"""The event store: event classes shared by both sides and the eventsourcing Application wiring.

Plain Python: imports eventsourcing, never DRF or another package of this project; Django only
in `events.config`, which reads where the store lives from Django's settings.
"""
