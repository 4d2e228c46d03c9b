"""The write side: aggregates that decide and command handlers that load, call, save and retry.

Plain Python: imports `events` and eventsourcing, never Django, DRF, `query_side` or `projections`.
"""
