"""The read side: read-table models (written only by projectors), selectors, search and cache
keys. Never imports command_side, projections, events or api."""
