"""Running wrk with the Lua scripts of bench/lua and reading the JSON line their done() prints."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .procs import REPO, BenchError

LUA_DIR = Path(__file__).resolve().parent / "lua"
THREADS = 2
TIMEOUT_S = 10  # wrk drops slower answers from the histogram: keep them in


@dataclass(frozen=True)
class WrkResult:
    command: str
    requests: int
    seconds: float
    latency_ms: dict[str, float]  # "50", "75", "90", "99", "99.9", "mean", "max"
    errors: dict[str, int]
    statuses: dict[str, int] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def socket_errors(self) -> int:
        return sum(v for k, v in self.errors.items() if k != "status")

    def count(self, status: int) -> int:
        return self.statuses.get(str(status), 0)


def ensure_wrk() -> str:
    """The wrk binary; on a fresh machine `apt-get install -y wrk` first."""
    found = shutil.which("wrk")
    if found:
        return found
    if shutil.which("apt-get") is None:
        raise BenchError("wrk is not installed and apt-get is not available")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    for args in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "wrk"]):
        subprocess.run(sudo + args, check=True, timeout=600)
    found = shutil.which("wrk")
    if not found:
        raise BenchError("apt-get install wrk did not provide wrk")
    return found


def wrk_version() -> str:
    done = subprocess.run(["wrk", "--version"], capture_output=True, text=True, timeout=10)
    return (done.stdout or done.stderr).split("Copyright")[0].strip()


def run_wrk(
    url: str, script: str, connections: int, seconds: int, args: tuple[str, ...] = ()
) -> WrkResult:
    """One wrk run: -t2 -c<connections> -d<seconds>s --latency with bench/lua/<script>."""
    argv = [
        ensure_wrk(),
        f"-t{min(THREADS, connections)}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        f"{TIMEOUT_S}s",
        "-s",
        str(LUA_DIR / script),
        url,
    ]
    if args:
        argv += ["--", *args]
    shown = shlex.join(["wrk", *argv[1:]]).replace(str(REPO) + "/", "")
    try:
        done = subprocess.run(
            argv,
            cwd=REPO,
            env={**os.environ, "BENCH_LUA_DIR": str(LUA_DIR)},
            capture_output=True,
            text=True,
            timeout=seconds + 60,
        )
    except subprocess.TimeoutExpired as error:
        raise BenchError(f"wrk did not finish: {shown}") from error
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if done.returncode != 0 or line is None:
        raise BenchError(f"wrk failed: {shown}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return parse(shown, json.loads(line.removeprefix("BENCH_JSON ")))


def parse(command: str, data: dict) -> WrkResult:
    latency = data["latency_us"]
    ms = {k: v / 1000 for k, v in latency["percentiles"].items()}
    ms.update(mean=latency["mean"] / 1000, max=latency["max"] / 1000)
    return WrkResult(
        command=command,
        requests=int(data["requests"]),
        seconds=data["duration_us"] / 1e6,
        latency_ms=ms,
        errors={k: int(v) for k, v in data["errors"].items()},
        statuses={str(k): int(v) for k, v in data.get("statuses", {}).items()},
    )
