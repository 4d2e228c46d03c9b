"""Projectors that fold events into read tables, the notifier, the runner and replay.
Imports events and query_side; never command_side or api."""
