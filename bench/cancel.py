"""Order cancellation beside placement: 16 wrk clients cancelling confirmed orders placed
beforehand, interleaved with runs placing them; then every cancelled order's stock is back."""

from __future__ import annotations

from . import dataset, postgres
from .invariants import check
from .load import Measurement, compare_rows, cpu_rows, interleaved, measure, plan, warm_up
from .orders import ARGS as ORDER_ARGS
from .orders import SCRIPT as ORDER_SCRIPT
from .procs import LOG_DIR, REPO, BenchError
from .stats import row
from .systems import OURS, OURS_DB, Systems, ours_env, shared, shown_env
from .wrk import THREADS

SCENARIO = "Order cancellation"
NOTES = [
    "Ours only: cancellation has no counterpart in the baseline, so the reference of every "
    "row is our own order placement (bench/lua/orders.lua, the baskets of the order scenario) "
    "measured in the same rounds; the ratio is cancel ÷ placement.",
    "Each cancel run POSTs /orders/<id>/cancel/ (bench/lua/cancel.lua) for confirmed orders of "
    "store 1 read from the store-orders read model just before the run (written to "
    "var/bench/cancel_ids.txt, one per line, each wrk thread taking every other line): every "
    "request cancels a different order, which releases 1 to 5 stock items in one append.",
    "Same system as the order scenario (bench/systems.py: gunicorn -w 2 plus `run_projectors "
    "catalog store_orders`); when the pool of confirmed orders is smaller than a run could "
    "use, an unreported placement run tops it up first.",
]
CLIENTS = 16
PLACE, CANCEL = "placement", "cancel"
IDS_FILE = LOG_DIR / "cancel_ids.txt"
POOL_SQL = "SELECT order_id FROM read_order WHERE status = 'CONFIRMED' AND store_id = %s"
CANCELLED_SQL = "SELECT count(*) FROM read_order WHERE status = 'CANCELLED'"
MAX_TOP_UPS = 6


class Pool:
    """Confirmed orders to cancel: refreshed from the read model before every cancel run."""

    def __init__(self, systems: Systems, seconds: int) -> None:
        self.systems, self.seconds = systems, seconds
        self.fastest = 0.0  # req/s of the fastest run so far: how many ids a run may use
        self.size = 0
        self.overrun = 0  # cancel requests beyond the ids given (repeats)
        self.answered_200 = 0
        self.bound = 0

    def refill(self) -> None:
        """Write at least 1.5 times the ids the fastest run so far would use, placing more
        orders (not reported) while there are too few."""
        need = int(1.5 * self.fastest * self.seconds) + 100
        for _ in range(MAX_TOP_UPS):
            self.systems.wait_projections()
            ids = [str(r[0]) for r in postgres.query(OURS_DB, POOL_SQL, (dataset.ORDER_STORE,))]
            if len(ids) >= need:
                IDS_FILE.parent.mkdir(parents=True, exist_ok=True)
                IDS_FILE.write_text("\n".join(ids) + "\n")
                self.size = len(ids)
                return
            print(f"[bench] cancel: {len(ids)} confirmed orders, {need} wanted", flush=True)
            self.seen(place(self.systems, self.seconds, "orders, topping up the cancel pool"))
        raise BenchError(f"fewer than {need} confirmed orders to cancel after top-ups")

    def seen(self, m: Measurement) -> Measurement:
        self.fastest = max(self.fastest, m.rps)
        return m


def place(systems: Systems, seconds: int, label: str = "orders") -> Measurement:
    return measure(systems, OURS, ORDER_SCRIPT, CLIENTS, seconds, ORDER_ARGS, label=label)


def cancel(systems: Systems, pool: Pool, seconds: int) -> Measurement:
    pool.refill()
    args = (f"ids={IDS_FILE}", f"threads={min(THREADS, CLIENTS)}")
    m = measure(systems, OURS, "cancel.lua", CLIENTS, seconds, args, label="cancel")
    pool.overrun += max(0, m.wrk.requests - pool.size)
    pool.answered_200 += m.wrk.count(200)
    pool.bound += CLIENTS + m.wrk.socket_errors
    return pool.seen(m)


def run(quick: bool) -> list[dict]:
    systems, settings = shared(), plan(quick)
    warm_up(systems, settings, names=(OURS,))
    pool = Pool(systems, settings.seconds)
    # Two runs' worth of orders to start with: the first cancel run needs no top-up unless
    # cancelling is over 1.3x faster than placing.
    pool.seen(place(systems, 2 * settings.seconds, "orders, filling the pool"))

    def one_run(name: str) -> Measurement:
        if name == CANCEL:
            return cancel(systems, pool, settings.seconds)
        return pool.seen(place(systems, settings.seconds))

    results = interleaved([[PLACE, CANCEL]], settings.runs, one_run)
    label = f"{CLIENTS} clients, cancel (ref.: placement)"
    rows = compare_rows(SCENARIO, label, results[CANCEL], results[PLACE], "req/s")
    rows += cpu_rows(SCENARIO, label, results[CANCEL], results[PLACE])
    rows += check_rows(systems, pool)
    rows[0]["commands"] = commands(systems, rows[0].get("commands", []))
    return rows


def check_rows(systems: Systems, pool: Pool) -> list[dict]:
    """Stock back for every cancelled order (the invariants of the order scenario: an item's
    drop since seeding = units of the orders still confirmed) and each cancel recorded once."""
    found = check(systems, OURS)  # waits for the projections
    cancelled = postgres.query(OURS_DB, CANCELLED_SQL)[0][0]
    return [
        row(
            SCENARIO,
            "invariant violations: stock drop ≠ units of orders still confirmed",
            found.violations,
            "items",
            target="= 0",
            met=found.violations == 0,
            note=f"{found.items} stock items; {found.orders['CONFIRMED']} orders confirmed and "
            f"{cancelled} cancelled so far; negative: {found.negative[:5]}; drop ≠ confirmed "
            f"units: {found.mismatched[:5]}. A cancelled order whose stock did not come back "
            "(or came back twice) shows here",
        ),
        row(
            SCENARIO,
            "inventory read model ≠ event store",
            len(found.read_model_mismatched),
            "items",
            target="= 0",
            met=not found.read_model_mismatched,
            note=f"first: {found.read_model_mismatched[:5]}",
        ),
        row(
            SCENARIO,
            "orders cancelled - 200 answers to cancels",
            cancelled - pool.answered_200,
            "orders",
            target=f"0 to {pool.bound}",
            met=0 <= cancelled - pool.answered_200 <= pool.bound and pool.overrun == 0,
            note=f"{cancelled} cancelled, {pool.answered_200} answered 200, "
            f"{pool.overrun} requests beyond the ids given (repeats, must be 0); wrk stops "
            "with a request in flight on each connection, which the server still records",
        ),
    ]


def commands(systems: Systems, wrk_commands: list[str]) -> list[str]:
    """Our environment, setup, server and projector, the warm-up and the wrk runs."""
    lines = [f"OURS_ENV='{shown_env(ours_env())}'"]
    lines += [c for c in systems.setup_commands if "$OURS_ENV" in c]
    lines += [systems.server_command(OURS), systems.projector_command()]
    lines += systems.warm_up_commands
    pool = f'psql -At -h 127.0.0.1 -U postgres {OURS_DB} -c "{POOL_SQL % dataset.ORDER_STORE}"'
    ids = f"{pool} > {IDS_FILE.relative_to(REPO)}  # before each cancel run"
    return [*lines, ids, *wrk_commands]
