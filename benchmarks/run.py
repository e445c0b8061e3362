"""Benchmarks on the materialized state of `make run`: scoring latency end to end and per layer.

Prints a markdown table; record it in benchmarks/README.md with the machine and the date.
"""

from __future__ import annotations

import json
import os
import platform
import secrets
import socket
import statistics
import subprocess
import sys
import time
from datetime import date

import httpx
import numpy as np
import pandas as pd

from wealthpulse.settings import PROJECT_ROOT, Settings


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = np.sort(samples_ms)
    return {
        "p50_ms": float(np.percentile(ordered, 50)),
        "p99_ms": float(np.percentile(ordered, 99)),
        "mean_ms": float(statistics.fmean(ordered)),
        "n": len(ordered),
    }


def bench_onnx(rows: int, repeats: int) -> dict[str, float]:
    from models.onnx_export import onnx_positive_proba, onnx_session
    from models.registry import load

    model_bytes, metadata, _ = load("churn")
    session = onnx_session(model_bytes)
    features = np.random.default_rng(0).random((rows, len(metadata["feature_names"])), dtype=np.float32)
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        onnx_positive_proba(session, features)
        samples.append((time.perf_counter() - started) * 1000)
    return percentiles(samples)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _post_samples(client: httpx.Client, path: str, bodies: list[dict], repeats: int) -> list[float]:
    for body in bodies[:20]:  # warm-up
        client.post(path, json=body).raise_for_status()
    samples = []
    for i in range(repeats):
        started = time.perf_counter()
        client.post(path, json=bodies[i % len(bodies)]).raise_for_status()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def bench_http(client_ids: list[str], repeats: int, load_seconds: float) -> dict[str, float]:
    from benchmarks.load import sustained_load

    port = _free_port()
    key = os.environ.get("WEALTHPULSE_API_KEY") or secrets.token_urlsafe(32)
    process = subprocess.Popen(
        [sys.executable, "-m", "wealthpulse.cli", "serve", "--port", str(port)],
        cwd=PROJECT_ROOT,
        env={**os.environ, "WEALTHPULSE_API_KEY": key},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {key}"}
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        results = {}
        with httpx.Client(base_url=url, timeout=60, headers=headers) as client:
            # The trivial endpoint and one-client scores alternate, so both see the same machine.
            trivial, single = [], []
            singles = [{"client_ids": [c]} for c in client_ids[:200]]
            _post_samples(client, "/models", [{}], 20)
            for i in range(repeats // 50):
                trivial += _post_samples(client, "/models", [{}], 50)
                single += _post_samples(client, "/score", singles[i:] + singles[:i], 50)
            results["models_http_trivial"] = percentiles(trivial)
            results["score_http_1"] = percentiles(single)
            results["score_http_1"]["ratio_p50_to_trivial"] = float(np.median(single) / np.median(trivial))
            for size, n in ((100, 100), (1000, 30)):
                bodies = [{"client_ids": client_ids[i : i + size]} for i in range(0, 10 * size, size)]
                results[f"score_http_{size}"] = percentiles(_post_samples(client, "/score", bodies, n))
            # The same calls without reason codes (`"reasons": false`): what explaining costs.
            for size, n in ((1, 500), (1000, 30)):
                bodies = [{"client_ids": client_ids[i : i + size], "reasons": False} for i in range(0, 10 * size, size)]
                results[f"score_http_{size}_no_reasons"] = percentiles(_post_samples(client, "/score", bodies, n))
        # The goal's rate, then one this machine sustains: the load generator shares its cores.
        for rate in (300, 60):
            results[f"score_load_{rate}_per_s"] = sustained_load(url, headers, client_ids, rate, load_seconds)
        return results
    finally:
        process.terminate()
        process.wait(timeout=30)


def main() -> int:
    settings = Settings.from_env()
    features = settings.marts_dir / "client_features.parquet"
    if not features.exists():
        print(f"no materialized state in {settings.home}: run `make run` first", file=sys.stderr)
        return 1
    frame = pd.read_parquet(features, columns=["client_id", "as_of_date"])
    client_ids = sorted(frame.loc[frame["as_of_date"] == frame["as_of_date"].max(), "client_id"])
    from benchmarks.features import materialize_throughput, online_reads, push_to_visible, service_reads

    latest = pd.Timestamp(frame["as_of_date"].max())
    results = {
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "preset": settings.preset,
        "clients_online": len(client_ids),
        "onnx_1_row": bench_onnx(1, 2000),
        "onnx_100_rows": bench_onnx(100, 500),
        "feast_online_read_1": online_reads(client_ids, 1, 1000),
        "feast_online_read_100": online_reads(client_ids, 100, 200),
        "service_online_read_1": service_reads(client_ids, 1, 2000),
        "service_online_read_100": service_reads(client_ids, 100, 200),
        "feast_push_to_visible": push_to_visible(client_ids, 200),
        **bench_http(client_ids, repeats=1000, load_seconds=float(os.environ.get("WEALTHPULSE_LOAD_SECONDS", 60))),
    }
    # Last: it rewrites the online rows the pushes above touched.
    results["feast_materialize"] = materialize_throughput(latest, len(client_ids))
    out = PROJECT_ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2))
    print("| measure | p50 ms | p99 ms | n |\n|---|---|---|---|")
    for key, value in results.items():
        if isinstance(value, dict) and "p50_ms" in value:
            print(f"| {key} | {value['p50_ms']:.3f} | {value['p99_ms']:.3f} | {value['n']} |")
    ratio = results["score_http_1"]["ratio_p50_to_trivial"]
    print(f"\n/score 1 client p50 is {ratio:.2f}x the trivial endpoint's (POST /models) in the same run")
    for load in (value for key, value in results.items() if key.startswith("score_load_")):
        print(
            f"load: {load['requests']:,} single-client /score at {load['rate_per_s']:.0f}/s for "
            f"{load['seconds']:.0f}s, achieved {load['achieved_per_s']:.0f}/s, p50 {load['p50_ms']:.2f} ms, "
            f"p99 {load['p99_ms']:.2f} ms, max {load['max_ms']:.1f} ms, errors {load['errors']}"
        )
    m = results["feast_materialize"]
    print(f"\nmaterialize: {m['rows']:,} rows in {m['seconds']:.1f}s = {m['rows_per_s']:,.0f} rows/s")
    print(f"\n{results['machine']}, {results['date']}, {results['clients_online']} clients online")
    return 0


if __name__ == "__main__":
    sys.exit(main())
