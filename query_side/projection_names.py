"""The names of the projections the read side depends on: their checkpoints and heartbeats are
rows the read side reads (/health/, /metrics, min_position). The projectors take their names
from here, so the api layer can list them without importing `projections`.
May import nothing from the project."""

from __future__ import annotations

CATALOG = "catalog"
STORE_ORDERS = "store_orders"
# Not a read model (never replayed), but its worker's liveness is watched like the others'.
NOTIFIER = "notifier"

READ_MODELS = (CATALOG, STORE_ORDERS)
MONITORED = (*READ_MODELS, NOTIFIER)
