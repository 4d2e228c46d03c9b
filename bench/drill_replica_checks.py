"""The replica drill's checks: no stale read, no error, the rotation following the replica out
and back in (what /health/ and /metrics said), reads landing on the replica (its own scan
counters), and the replica caught up at the end."""

from __future__ import annotations

import time

from .drill_checks import DrillResult, checkpoints, examples
from .drill_postgres import statuses
from .drill_replica_load import KINDS, ReadYourWrites, stale_reason, stock_bounds
from .drill_rotation_watch import Observation, RotationWatch
from .drill_services import query

READ_TABLES_SCANNED = ("read_order", "read_order_line", "read_inventory")


def replica_scans(url: str) -> int:
    """Sequential plus index scans of the read tables on this server: they grow only when
    reads run there (the projector writes on the primary, the rotation's probes read none)."""
    return int(
        query(
            url,
            "SELECT coalesce(sum(coalesce(seq_scan, 0) + coalesce(idx_scan, 0)), 0)::bigint "
            "FROM pg_stat_user_tables WHERE relname = ANY(%s)",
            (list(READ_TABLES_SCANNED),),
        )[0][0]
    )


def check_reads_on_replica(drill: DrillResult, url: str, since: int, what: str) -> bool:
    """Scans of the read tables on the replica grew since `since`. Backends flush their counts
    about once a second, so no growth is looked at again for a few seconds before it counts."""
    deadline = time.monotonic() + 3
    grown = replica_scans(url) - since
    while grown <= 0 and time.monotonic() < deadline:
        time.sleep(0.5)
        grown = replica_scans(url) - since
    return drill.check(
        f"reads are served by the replica {what}",
        grown > 0,
        f"{grown} scans of {', '.join(READ_TABLES_SCANNED)} on the replica",
    )


def describe(seen: Observation | None) -> str:
    if seen is None:
        return "nothing observed"
    return (
        f"/health/ {seen.health}, replicas {seen.replicas}; "
        f"in_rotation {seen.in_rotation or 'not reported'}, lag {seen.lag or 'not reported'}"
    )


def check_no_stale_reads(
    drill: DrillResult, load: ReadYourWrites, seeded: dict, paused: list[tuple[float, float]]
) -> bool:
    bound = stock_bounds(load.placed, seeded)
    # The order's own 404 is an answer too: a page from before the order was projected.
    answered = [
        r
        for r in load.reads
        if r.sample.status == 200 or (r.sample.kind == "detail" and r.sample.status == 404)
    ]
    stale = [(r, why) for r in answered if (why := stale_reason(r, bound)) is not None]
    # Keyed by identity: a slow read that overlapped two pauses counts once.
    overlapping = (s for begin, end in paused for s in load.between(begin, end, KINDS))
    during = list({id(s): s for s in overlapping}.values())
    by_kind = {kind: sum(1 for r in answered if r.sample.kind == kind) for kind in KINDS}
    return drill.check(
        "zero stale reads: every min_position read shows the caller's own order",
        bool(answered) and not stale,
        f"{len(answered)} reads answered ({by_kind}); {len(stale)} stale"
        f"{examples([f'{r.sample.kind}: {why}' for r, why in stale])}; "
        f"{len(during)} overlapped a replay pause ({statuses(during)}), slowest "
        f"{max((s.seconds for s in during), default=0.0):.2f} s",
    )


def check_out_of_rotation(
    drill: DrillResult,
    watch: RotationWatch,
    load: ReadYourWrites,
    down: float,
    up: float,
    within: float,
) -> None:
    """Out within `within` seconds of the stop at `down`, and every read until the start at
    `up` answered (by the primary: the replica was not running)."""
    out = watch.first(down, Observation.all_out)
    drill.check(
        f"the stopped replica left the rotation within {within:g} s, /health/ degraded",
        out is not None and out.at - down <= within and out.at < up,
        f"{out.at - down:.1f} s after the stop; {describe(out)}" if out else "never seen out",
    )
    begin = out.at if out is not None else down
    meanwhile = [s for s in load.samples if s.kind != "order" and begin <= s.started < up]
    failed = [s for s in meanwhile if s.status != 200]
    drill.check(
        "reads went to the primary while the replica was down",
        bool(meanwhile) and not failed,
        f"{len(meanwhile)} reads while it was out ({statuses(meanwhile)})"
        f"{examples([s.describe() for s in failed])}",
    )


def check_back_in_rotation(
    drill: DrillResult, watch: RotationWatch, back: Observation | None, up: float, within: float
) -> bool:
    last = watch.seen[-1] if watch.seen else None
    return drill.check(
        f"the restarted replica is back in rotation within {within:g} s, /health/ ok",
        back is not None,
        f"{back.at - up:.1f} s after its start; {describe(back)}" if back else describe(last),
    )


def check_no_errors(drill: DrillResult, load: ReadYourWrites) -> bool:
    samples = load.samples
    bad = [s for s in samples if s.status is None or s.status >= 500]
    not_read = [r.sample for r in load.reads if r.sample.status in range(201, 500)]
    return drill.check(
        "no 5xx, no unanswered request, every read with min_position answered 200",
        not bad and not not_read,
        f"{len(samples)} requests ({statuses(samples)})"
        f"{examples([s.describe() for s in bad + not_read])}",
    )


def check_replica_caught_up(
    drill: DrillResult, primary_url: str, replica_url: str, seconds: float = 15
) -> bool:
    deadline = time.monotonic() + seconds
    while True:
        ours, theirs = checkpoints(primary_url), checkpoints(replica_url)
        if ours == theirs or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    return drill.check(
        "the replica's checkpoints equal the primary's",
        ours == theirs,
        f"primary {ours}, replica {theirs}",
    )
