"""`python -m bench seed --products N`: one large seed (`seed_data --products N`, its other
options at their defaults) on a fresh PostgreSQL database, with `run_projectors catalog` running
beside it as deployed. Reports the seed's own rate and the catalog projector's lag, sampled
every second from the event store head and the projector's checkpoint, until it caught up.

Lag in events is head - checkpoint. Lag in seconds is the age of the oldest event not yet
projected, as the samples see it: now - the first sample whose head was past the checkpoint
(resolution: one sample interval, it reads up to 1 s short).
"""

from __future__ import annotations

import bisect
import subprocess
import time
from dataclasses import dataclass, field

import psycopg

from . import postgres
from .measure_env import PYTHON, ROOT, percentile, service_env
from .procs import LOG_DIR, Background, BenchError, run_command

DATABASE = "aforro_bsearch_seed_scale"
REDIS_URL = "redis://127.0.0.1:6379/6"  # the projector bumps cache versions there
SCENARIO = "seed_data at scale"
SAMPLE_SECONDS = 1.0
PROGRESS_SECONDS = 10.0
HEAD_SQL = "SELECT coalesce(max(notification_id), 0) FROM aforro_events"
CHECKPOINT_SQL = "SELECT coalesce(max(position), 0) FROM read_projection_checkpoint WHERE name = %s"


@dataclass
class Samples:
    """(seconds since the seed started, head, checkpoint) every second."""

    times: list[float] = field(default_factory=list)
    heads: list[int] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)
    lag_seconds: list[float] = field(default_factory=list)

    def add(self, t: float, head: int, position: int) -> None:
        self.times.append(t)
        self.heads.append(head)
        self.positions.append(position)
        # Heads only grow: the first sample past the checkpoint is a binary search away.
        first = bisect.bisect_right(self.heads, position)
        self.lag_seconds.append(t - self.times[first] if first < len(self.heads) else 0.0)

    def lag_events(self) -> list[int]:
        return [h - p for h, p in zip(self.heads, self.positions, strict=True)]


def sample(conn: psycopg.Connection) -> tuple[int, int]:
    head = conn.execute(HEAD_SQL).fetchone()
    position = conn.execute(CHECKPOINT_SQL, ("catalog",)).fetchone()
    return int(head[0]) if head else 0, int(position[0]) if position else 0


def scale_env() -> dict[str, str]:
    env = service_env(DATABASE)
    env["REDIS_URL"] = REDIS_URL
    return env


def run(products: int) -> list[dict]:
    postgres.recreate_database(DATABASE)
    env = scale_env()
    projector = Background(
        "seed-scale-projector", [PYTHON, "manage.py", "run_projectors", "catalog"], env
    )
    try:
        run_command([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], env)
        projector.start()
        return measure(products, env, projector)
    finally:
        projector.stop()
        postgres.drop_database(DATABASE)


def measure(products: int, env: dict[str, str], projector: Background) -> list[dict]:
    from .seed import RATE

    LOG_DIR.mkdir(parents=True, exist_ok=True)
    samples = Samples()
    print(f"[bench] seed: seeding {products:,} products, the catalog projector beside", flush=True)
    with (
        open(LOG_DIR / "seed-scale.log", "wb") as log,
        psycopg.connect(postgres.database_url(DATABASE), autocommit=True) as conn,
    ):
        seed = subprocess.Popen(
            [PYTHON, "manage.py", "seed_data", "--products", str(products)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=log,
        )
        started = last_progress = time.monotonic()
        seed_ended: float | None = None
        # Bounded: the seed at 200 products/s or faster, then as long again (at least 10 min)
        # for the projector to catch up.
        while True:
            now = time.monotonic() - started
            head, position = sample(conn)
            samples.add(now, head, position)
            if seed_ended is None and seed.poll() is not None:
                seed_ended = now
            if seed_ended is not None and position >= head:
                break
            if seed_ended is None and now > 600 + products / 200:  # 200 products/s at least
                seed.kill()
                raise BenchError(f"seed_data still running after {now:.0f} s: stopped")
            if seed_ended is not None and now > 2 * seed_ended + 600:
                raise BenchError(f"the projector did not catch up {now - seed_ended:.0f} s after")
            if not projector.alive():
                raise BenchError(f"the projector exited:\n{projector.log_tail()}")
            if now - (last_progress - started) >= PROGRESS_SECONDS:
                last_progress = time.monotonic()
                print(
                    f"[bench] seed: {now:5.0f} s  head {head:,}  projected {position:,}  "
                    f"lag {head - position:,} events, {samples.lag_seconds[-1]:.0f} s"
                    + ("" if seed_ended is None else "  (seed done)"),
                    flush=True,
                )
            time.sleep(SAMPLE_SECONDS)
        output = seed.stdout.read().decode() if seed.stdout else ""
        if seed.wait() != 0:
            raise BenchError(f"seed_data failed ({seed.returncode}); see var/bench/seed-scale.log")
    found = RATE.search(output)
    if found is None:
        raise BenchError(f"seed_data printed no rate: {output[-500:]!r}")
    aggregates, events, seconds = int(found[1]), int(found[2]), float(found[3])
    caught_up = samples.times[-1] - seed_ended
    return rows(products, aggregates, events, seconds, samples, seed_ended, caught_up)


def rows(
    products: int,
    aggregates: int,
    events: int,
    seconds: float,
    samples: Samples,
    seed_ended: float,
    caught_up: float,
) -> list[dict]:
    # seed_data builds the whole catalog in memory before its first append: the lag counts
    # from the first sample that saw events.
    first = next((i for i, head in enumerate(samples.heads) if head), len(samples.heads))
    during = [i for i in range(first, len(samples.times)) if samples.times[i] <= seed_ended]
    lag_events = [samples.lag_events()[i] for i in during] or [0]
    lag_seconds = [samples.lag_seconds[i] for i in during] or [0.0]

    def row(metric: str, value: float, unit: str, note: str | None = None) -> dict:
        found = {"scenario": SCENARIO, "metric": metric, "value": value, "unit": unit}
        return {**found, "note": note} if note else found

    found = [
        row(
            "products seeded per second",
            round(products / seconds),
            "products/s",
            f"`seed_data --products {products}`: {aggregates:,} aggregates, {events:,} events "
            f"in {seconds:.0f} s (its own timing), `run_projectors catalog` running beside it",
        ),
        row("events appended per second", round(events / seconds), "events/s"),
        row(
            "seed_data start to its first append (building the catalog in memory)",
            round(samples.times[min(first, len(samples.times) - 1)], 1),
            "s",
        ),
        row("catalog projector lag during the seed: max", max(lag_events), "events"),
        row("catalog projector lag during the seed: p99", percentile(lag_events, 99), "events"),
        row(
            "catalog projector lag during the seed: max",
            round(max(lag_seconds), 1),
            "s",
            f"age of the oldest unprojected event, sampled every {SAMPLE_SECONDS:g} s "
            f"({len(during)} samples; reads up to one interval short)",
        ),
        row(
            "catalog projector lag during the seed: p99", round(percentile(lag_seconds, 99), 1), "s"
        ),
        row("projector caught up, after the seed ended", round(caught_up, 1), "s"),
    ]
    found[0]["commands"] = [f"python -m bench seed --products {products}"]
    return found
