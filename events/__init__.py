"""The event store: event classes shared by both sides and the eventsourcing Application wiring.

Plain Python: imports eventsourcing, never Django, DRF or another package of this project.
"""
