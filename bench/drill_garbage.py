"""Malformed requests for the malformed-input drill, built byte by byte (so anything can be
sent) from a seeded generator. None of them is a valid order: the event store must not move.

Each request has a kind. Kinds in HTTP_LEVEL break HTTP itself (an overlong request line or
header, an unknown transfer coding...): gunicorn refuses them before Django sees them.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

ORDER = {"store_id": 1, "items": [{"product_id": 1, "quantity_requested": 1}]}
JSON = "application/json"
HTTP_LEVEL = frozenset(
    {"long-request-line", "long-header", "too-many-headers", "bad-header-name",
     "bad-content-length", "bad-version", "bad-method", "unknown-transfer-coding", "bad-chunks"}
)  # fmt: skip


@dataclass(frozen=True)
class Garbage:
    kind: str
    data: bytes  # the whole request as sent


def request(
    method: str,
    path: str,
    body: bytes = b"",
    headers: list[tuple[str, str]] | None = None,
    *,
    length: bool = True,
    version: str = "HTTP/1.1",
) -> bytes:
    lines = [f"{method} {path} {version}", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers or []]
    if length and (body or method in ("POST", "PUT", "PATCH")):
        lines.append(f"Content-Length: {len(body)}")
    head = "\r\n".join(lines).encode("latin-1", "replace") + b"\r\n\r\n"
    return head + body


def post(body: bytes | str, content_type: str | None = JSON, path: str = "/orders/", **kw):
    data = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    headers = [("Content-Type", content_type)] if content_type is not None else []
    return request("POST", path, data, headers + kw.pop("extra", []), **kw)


def order(**changes) -> str:
    return json.dumps({**ORDER, **changes})


def line(**changes) -> str:
    return order(items=[{**ORDER["items"][0], **changes}])


def invalid_json(rng: random.Random) -> bytes:
    valid = order()
    body = rng.choice(
        [valid[: rng.randint(1, len(valid) - 1)], "{", "[1, 2", "nul", '{"a":}', "'x'",
         "NaN", '{"store_id": NaN, "items": []}', line(quantity_requested=float("inf")),
         valid.replace('"', "'"), valid + "}", "\ufeff" + valid[:-1], '{"store_id": 1,}']
    )  # fmt: skip
    return post(body)


def wrong_types(rng: random.Random) -> bytes:
    """Every value here is invalid for every id and quantity field (strict JSON integers ≥ 1)."""
    value = rng.choice(["1", 1.5, True, None, [], {}, "", "x" * 50, [1], 0, -1])
    field = rng.choice(["store_id", "items", "product_id", "quantity_requested", "body"])
    if field == "body":
        return post(json.dumps(rng.choice([[ORDER], "order", 42, None, True, [], {}])))
    if field in ("store_id", "items"):
        return post(order(**{field: value}))
    return post(line(**{field: value}))


def huge_numbers(rng: random.Random) -> bytes:
    number = rng.choice(
        ["1" + "0" * 30, str(2**63), str(-(2**63) - 1), "1e308", "1e309", "-1e309",
         "1" + "0" * 5000, "1000001", "0.0000001", "-0", "1E2", "2147483648"]
    )  # fmt: skip
    field = rng.choice(["store_id", "product_id", "quantity_requested"])
    template = order(**{field: 777}) if field == "store_id" else line(**{field: 777})
    return post(template.replace("777", number))


def unknown_fields(rng: random.Random) -> bytes:
    """Unknown fields beside an invalid one (a valid order with extra fields would be placed)."""
    extra = {rng.choice(["foo", "__proto__", "status", "id", "x" * 300]): rng.choice([1, "a", {}])}
    invalid = rng.choice(
        [{"items": []}, {"store_id": 999999}, {"items": [{"product_id": 99999,
         "quantity_requested": 1, "colour": "red"}]}, {"store_id": None}, {"items": None}]
    )  # fmt: skip
    return post(json.dumps({**ORDER, **invalid, **extra}))


def random_bytes(rng: random.Random) -> bytes:
    body = rng.randbytes(rng.randint(1, 4096))
    content_type = rng.choice([JSON, "application/octet-stream", None, "text/plain"])
    return post(body, content_type)


NOT_JSON = [
    "text/plain", "application/x-www-form-urlencoded", "application/xml", "text/json",
    "multipart/form-data; boundary=zzz", "multipart/form-data", "application/json-patch",
]  # fmt: skip


def wrong_content_type(rng: random.Random) -> bytes:
    """A valid order under a type no parser takes, or an invalid body under one that parses
    as JSON ("*/*" matches the JSON parser; a wrong charset still decodes)."""
    choice = rng.randrange(4)
    if choice == 0:
        return post(order(), rng.choice(NOT_JSON))
    if choice == 1:
        return post(rng.choice(["store_id=1&items=1", "<order store='1'/>"]), rng.choice(NOT_JSON))
    if choice == 2:
        return post("store_id=1&items=1", rng.choice([None, "*/*", "application/*"]))
    return post(order(), "application/json; charset=" + rng.choice(["utf-16", "utf-32"]))


def overlong(rng: random.Random) -> bytes:
    choice = rng.randrange(6)
    if choice == 0:
        key = "k" * rng.choice([201, 1000, 8000])
        return post(order(items=[]), extra=[("Idempotency-Key", key)])
    if choice == 1:
        return post(json.dumps({"k" * 100_000: 1, "store_id": "x"}))
    if choice == 2:
        return post(b'{"store_id": "' + b"x" * 2_700_000 + b'"}')  # above DATA_UPLOAD_MAX
    if choice == 3:
        return post(order(items=[{"product_id": p, "quantity_requested": 1} for p in range(101)]))
    if choice == 4:
        return post("[" * 100_000 + "]" * 100_000)
    return post(line(), extra=[("X-Junk", "é" * 3000)] + [(f"X-{i}", "v") for i in range(50)],
                content_type="text/plain")  # fmt: skip


PATHS = [
    "/orders/abc/", "/orders/%00/", "/orders/" + "a" * 3000 + "/", "/stores/abc/orders/",
    "/stores/-1/inventory/", "/stores/99999999999999999999999/inventory/", "/stores/0/orders/",
    "/stores/1/inventory/99999999999999999999/history/", "/%ff%fe/", "/../../etc/passwd",
    "/orders/\u00e9\u4e2d/", "//", "/admin/", "/static/../../aforro_backend/settings.py",
    "/orders/00000000-0000-0000-0000-000000000000/history/?as_of_version=abc",
    "/orders/00000000-0000-0000-0000-000000000000/history/?as_of_version=-1",
    "/api/search/products/?q=%00", "/api/search/products/?page=0", "/api/search/products/?sort=x",
    "/api/search/products/?min_price=NaN", "/api/search/products/?max_price=1e400",
    "/api/search/products/?in_stock=maybe", "/api/search/products/?store_id=abc",
    "/api/search/products/?page_size=-5", "/api/search/products/?category=%00%ff",
    "/api/search/products/?page=99999999999999999999", "/api/search/suggest/?q=a",
    "/stores/1/inventory/?min_position=abc", "/stores/1/inventory/?min_position=-1",
    "/stores/1/inventory/?min_position=" + "9" * 30, "/stores/1/orders/?page=1.5",
    "/stores/1/inventory/?page_size=%00", "/stores/1/orders/?page=-0", "/health/?x=%ZZ",
    "/stores/1/inventory/1/history/?page=abc", "/products/", "/stores/",
]  # fmt: skip


def random_path(rng: random.Random) -> bytes:
    path = rng.choice(PATHS) if rng.random() < 0.8 else "/" + rng.randbytes(20).hex()
    method = rng.choice(["GET", "GET", "GET", "DELETE", "PUT", "PATCH", "BREW"])
    return request(method, path.replace(" ", "%20"))


def wrong_method(rng: random.Random) -> bytes:
    path = rng.choice(["/orders/", "/stores/1/inventory/", "/health/", f"/orders/{UUID(int=1)}/"])
    return request(rng.choice(["PUT", "DELETE", "PATCH", "TRACE", "BREW"]), path, b"{}")


def staff_garbage(rng: random.Random) -> bytes:
    auth = rng.choice(["Token nope", "Token ", "Bearer x", "Token " + "z" * 500, "Basic Og=="])
    path = rng.choice(["/stores/", "/products/", "/stores/1/inventory/"])
    return post(order(), extra=[("Authorization", auth)], path=path)


def bad_host(rng: random.Random) -> bytes:
    host = rng.choice(["evil.example", "127.0.0.1:1:2", "[::1", "a" * 300, "-"])
    return request("GET", "/health/", headers=[("Host", host)]).replace(
        b"Host: 127.0.0.1\r\n", b"", 1
    )


def http_level(rng: random.Random) -> tuple[str, bytes]:
    kind = rng.choice(sorted(HTTP_LEVEL))
    if kind == "long-request-line":
        return kind, request("GET", "/stores/1/inventory/?q=" + "x" * 5000)
    if kind == "long-header":
        return kind, post(order(items=[]), extra=[("Idempotency-Key", "k" * 9000)])
    if kind == "too-many-headers":
        return kind, request("GET", "/health/", headers=[(f"X-{i}", "1") for i in range(120)])
    if kind == "bad-header-name":
        return kind, request("GET", "/health/", headers=[("Bad Header", "1")])
    if kind == "bad-content-length":
        return kind, post(b"{}", length=False, extra=[("Content-Length", "-5")])
    if kind == "bad-version":
        return kind, request("GET", "/health/", version=rng.choice(["HTTP/9.9", "HTTQ/1.1"]))
    if kind == "bad-method":
        return kind, request(rng.choice(["get", "G(E)T", "GET\x00"]), "/health/")
    if kind == "unknown-transfer-coding":
        return kind, post(b"{}", length=False, extra=[("Transfer-Encoding", "gzip, chunked")])
    return kind, post(b"zz\r\n{}\r\n0\r\n\r\n", length=False,
                      extra=[("Transfer-Encoding", "chunked")])  # fmt: skip


GENERATORS: dict[str, Callable[[random.Random], bytes]] = {
    "invalid-json": invalid_json,
    "wrong-types": wrong_types,
    "huge-numbers": huge_numbers,
    "unknown-fields": unknown_fields,
    "random-bytes": random_bytes,
    "wrong-content-type": wrong_content_type,
    "overlong": overlong,
    "random-path": random_path,
    "wrong-method": wrong_method,
    "staff-garbage": staff_garbage,
    "bad-host": bad_host,
}


def garbage(count: int, seed: int = 13) -> list[Garbage]:
    rng = random.Random(seed)
    kinds = [*GENERATORS, "http-level"]
    found = []
    for n in range(count):
        kind = kinds[n % len(kinds)] if n < len(kinds) else rng.choice(kinds)
        if kind == "http-level":
            found.append(Garbage(*http_level(rng)))
        else:
            found.append(Garbage(kind, GENERATORS[kind](rng)))
    return found
