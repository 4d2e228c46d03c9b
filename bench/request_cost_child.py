"""One system's WSGI application called in process, for bench/request_cost.py to count under
callgrind: `python -m bench.request_cost_child SYSTEM PATHS_FILE N`.

SYSTEM is ours, negotiated (ours asked with `Accept: application/json`, through DRF's request
cycle), conventional, floor or plain (the last two: the baseline project's do-nothing DRF
suggest view and its plain Django view); the others send no Accept header.
The environment is the caller's (settings, database, PROMETHEUS_MULTIPROC_DIR). Every path is
asked once as a warm-up, then N requests cycle through the list; an answer that is not 200
exits with status 1.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

SYSTEMS = ("ours", "negotiated", "conventional", "floor", "plain")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.request_cost_child", description=__doc__)
    parser.add_argument("system", choices=SYSTEMS)
    parser.add_argument("paths", type=Path, help="a file of request paths, one per line")
    parser.add_argument("requests", type=int, help="requests after the warm-up (0 or more)")
    args = parser.parse_args(argv)
    if args.requests < 0:
        parser.error("requests: 0 or more")
    return args


def environ(path: str, accept: str | None) -> dict:
    route, _, query = path.partition("?")
    return ({} if accept is None else {"HTTP_ACCEPT": accept}) | {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": route,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
    }


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    paths = args.paths.read_text().split()
    accept = "application/json" if args.system == "negotiated" else None
    if args.system in ("ours", "negotiated"):
        from aforro_backend.wsgi import application
    else:
        from bench.baseline.wsgi import application
    statuses: list[str] = []

    def ask(path: str) -> None:
        body = b"".join(
            application(environ(path, accept), lambda status, _: statuses.append(status))
        )
        if not statuses[-1].startswith("200"):
            raise SystemExit(f"{path}: {statuses[-1]} {body[:200]!r}")

    for path in paths:
        ask(path)
    for n in range(args.requests):
        ask(paths[n % len(paths)])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
