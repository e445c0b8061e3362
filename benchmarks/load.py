"""Open-loop load on a running service: requests start on a fixed schedule whatever the answers do.

A closed loop (send, wait, send) slows down with the server and hides queueing; here each request
is due at its planned time and its latency counts from then, so a slow answer shows up as the
latency of the requests queued behind it.

The load generator shares the machine with the service, so it must cost little: a general HTTP
client spends milliseconds of CPU per request in Python. This one keeps a pool of keep-alive
connections and writes prepared HTTP/1.1 requests on asyncio streams, reading each answer by its
Content-Length (the service answers every request with one).
"""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import urlsplit

import numpy as np


def _request(host: str, path: str, headers: dict[str, str], body: dict) -> bytes:
    payload = json.dumps(body).encode()
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}", "Content-Type: application/json"]
    lines.append(f"Content-Length: {len(payload)}")
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


async def _answer(reader: asyncio.StreamReader) -> int:
    """Read one response; its status code."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return status


async def _run(url: str, headers: dict, bodies: list[dict], rate: float, seconds: float, connections: int) -> dict:
    parts = urlsplit(url)
    requests = [_request(parts.netloc, "/score", headers, body) for body in bodies]
    total = int(rate * seconds)
    latencies: list[float] = []
    errors: dict[str, int] = {}
    pool: asyncio.Queue = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(await asyncio.open_connection(parts.hostname, parts.port))

    async def one(i: int, planned: float) -> None:
        delay = planned - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        reader, writer = await pool.get()
        try:
            writer.write(requests[i % len(requests)])
            status = await _answer(reader)
            if status != 200:
                errors[str(status)] = errors.get(str(status), 0) + 1
        except (OSError, asyncio.IncompleteReadError) as error:
            errors[type(error).__name__] = errors.get(type(error).__name__, 0) + 1
            writer.close()
            reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        pool.put_nowait((reader, writer))
        latencies.append((time.perf_counter() - planned) * 1000)

    start = time.perf_counter() + 0.5
    await asyncio.gather(*(one(i, start + i / rate) for i in range(total)))
    elapsed = time.perf_counter() - start
    while not pool.empty():
        pool.get_nowait()[1].close()
    ordered = np.sort(latencies)
    return {
        "rate_per_s": rate,
        "seconds": seconds,
        "requests": total,
        "achieved_per_s": total / elapsed,
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "p50_ms": float(np.percentile(ordered, 50)),
        "p99_ms": float(np.percentile(ordered, 99)),
        "max_ms": float(ordered[-1]),
        "n": total,
    }


def sustained_load(
    url: str, headers: dict, client_ids: list[str], rate: float, seconds: float, connections: int = 16
) -> dict:
    """`rate` single-client /score requests per second for `seconds`, ids cycling over `client_ids`."""
    bodies = [{"client_ids": [c]} for c in client_ids[:1000]]
    return asyncio.run(_run(url, headers, bodies, rate, seconds, connections))
