"""Processes the benchmarks start: gunicorn servers, the projector worker, one-shot commands.

Each long-running process gets its own session and is ended through its own process group id
(never by name), within a bounded time. Logs go to var/bench/<name>.log.
"""

from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LOG_DIR = REPO / "var" / "bench"
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
HIGHEST_PORT = 32767  # above is the kernel's range for outgoing ports (ARCHITECTURE.md)
PASSTHROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "USER", "TERM")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class BenchError(RuntimeError):
    """A benchmark could not run (a command failed, a server did not come up)."""


def clean_env(settings: Mapping[str, str]) -> dict[str, str]:
    """A minimal environment plus `settings`: nothing of the caller's shell leaks in."""
    env = {name: os.environ[name] for name in PASSTHROUGH if name in os.environ}
    env.update(settings)
    return env


def run_command(args: Sequence[str], env: Mapping[str, str], timeout: float = 600) -> str:
    """Run a one-shot command from the repository root; its stdout, or BenchError."""
    try:
        done = subprocess.run(
            list(args), cwd=REPO, env=dict(env), capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired as error:
        raise BenchError(f"timed out after {timeout:.0f} s: {shlex.join(args)}") from error
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-15:])
        raise BenchError(f"failed ({done.returncode}): {shlex.join(args)}\n{tail}")
    return done.stdout


def free_port(preferred: int, attempts: int = 50) -> int:
    """The first port from `preferred` up that nothing listens on (loopback, below 32768)."""
    for port in range(preferred, min(preferred + attempts, HIGHEST_PORT + 1)):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            # As gunicorn does: a port whose old connections linger in TIME_WAIT is free.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise BenchError(f"no free port in {preferred}..{preferred + attempts - 1}")


def _stat_fields(pid: int) -> list[str]:
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()  # fields from the 3rd on (state, ppid, ...)


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU of each process still alive."""
    found = {}
    for pid in pids:
        try:
            fields = _stat_fields(pid)
            found[pid] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        except (OSError, ValueError, IndexError):
            continue
    return found


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its live descendants."""
    total, pending, seen = 0.0, [pid], set()
    while pending and len(seen) < 1000:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            fields = _stat_fields(current)
            total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
            pending += _children(current)
        except (OSError, ValueError, IndexError):
            continue
    return total


class Background:
    """A long-running process of the benchmark, in its own session."""

    def __init__(self, name: str, args: Sequence[str], env: Mapping[str, str]) -> None:
        self.name, self.args, self.env = name, list(args), dict(env)
        self.proc: subprocess.Popen | None = None

    @property
    def log_path(self) -> Path:
        return LOG_DIR / f"{self.name}.log"

    def start(self) -> None:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                self.args,
                cwd=REPO,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def cpu_seconds(self) -> float:
        return tree_cpu_seconds(self.proc.pid) if self.alive() else 0.0

    def stop(self, timeout: float = 20) -> None:
        if self.proc is None:
            return
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5)):
            if self.proc.poll() is not None:
                break
            try:
                os.killpg(self.proc.pid, sig)  # our own session: the process and its children
            except ProcessLookupError:
                break
            try:
                self.proc.wait(wait)
            except subprocess.TimeoutExpired:
                continue
        self.proc = None

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class Gunicorn(Background):
    """`gunicorn -w 2 <wsgi>` on 127.0.0.1:<port>, started from the repository root, so the
    project's gunicorn.conf.py applies to every server alike: its sync worker class (the subclass
    that answers gunicorn's own refusals in problem+json) and its limits, as deployed."""

    WORKERS = 2

    def __init__(
        self, name: str, wsgi: str, port: int, env: Mapping[str, str], ready_path: str
    ) -> None:
        args = [GUNICORN, "-w", str(self.WORKERS), "--bind", f"127.0.0.1:{port}"]
        super().__init__(name, [*args, wsgi], env)
        self.port, self.ready_path = port, ready_path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> str:
        return shlex.join(["gunicorn", *self.args[1:]])

    def start(self, timeout: float = 60) -> None:
        super().start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise BenchError(f"{self.name} exited while starting:\n{self.log_tail()}")
            if get_status(self.url + self.ready_path) == 200:
                return
            time.sleep(0.25)
        self.stop()
        raise BenchError(f"{self.name} did not answer {self.ready_path} in {timeout:.0f} s")


def get_status(url: str, timeout: float = 5) -> int | None:
    """The HTTP status of a GET, or None if nothing answered."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (OSError, urllib.error.URLError):
        return None
