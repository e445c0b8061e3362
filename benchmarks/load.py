"""Open-loop load on a running service: requests start on a fixed schedule whatever the answers do.

A closed loop (send, wait, send) slows down with the server and hides queueing; here each request
starts at its planned time, so a slow answer shows up as latency of the requests queued behind it.
"""

from __future__ import annotations

import asyncio
import time

import httpx
import numpy as np


async def _run(url: str, headers: dict, bodies: list[dict], rate: float, seconds: float) -> dict:
    total = int(rate * seconds)
    latencies: list[float] = []
    errors: dict[str, int] = {}
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30, limits=limits) as client:

        async def one(i: int, planned: float) -> None:
            delay = planned - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            try:
                response = await client.post("/score", json=bodies[i % len(bodies)])
                if response.status_code != 200:
                    errors[str(response.status_code)] = errors.get(str(response.status_code), 0) + 1
            except httpx.HTTPError as error:
                errors[type(error).__name__] = errors.get(type(error).__name__, 0) + 1
            # From the planned start: time spent waiting for a free connection counts.
            latencies.append((time.perf_counter() - planned) * 1000)

        start = time.perf_counter() + 0.5
        await asyncio.gather(*(one(i, start + i / rate) for i in range(total)))
        elapsed = time.perf_counter() - start
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


def sustained_load(url: str, headers: dict, client_ids: list[str], rate: float, seconds: float) -> dict:
    """`rate` single-client /score requests per second for `seconds`, ids cycling over `client_ids`."""
    bodies = [{"client_ids": [c]} for c in client_ids[:1000]]
    return asyncio.run(_run(url, headers, bodies, rate, seconds))
