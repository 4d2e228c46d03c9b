"""What the numbers were measured on: cores, CPU model, memory, versions, load."""

from __future__ import annotations

import os
import platform
from pathlib import Path

import redis

from . import postgres
from .wrk import wrk_version


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def memory_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024**2
    return 0.0


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def describe() -> dict[str, str]:
    return {
        "nproc": str(len(os.sched_getaffinity(0))),
        "cpu": cpu_model(),
        "memory": f"{memory_gib():.1f} GiB",
        "kernel": platform.release(),
        "python": platform.python_version(),
        "postgresql": postgres.server_version(),
        "redis": str(redis.Redis(socket_timeout=5).info("server")["redis_version"]),
        "wrk": wrk_version(),
        "load_average_start": load_average(),
    }
