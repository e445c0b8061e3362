"""Reason-code tables against LightGBM's ``pred_contrib``: whole-call times on one thread.

    uv run --frozen python -m benchmarks.explain

A synthetic binary model (300 trees of 15 leaves, 60 features, 5% missing values); no state needed.
Prints a markdown table to record in ``benchmarks/README.md``.
"""

from __future__ import annotations

import time

import lightgbm as lgb
import numpy as np

from models.explain import build_explainer

CALLS = ((1, 500), (100, 50), (1000, 10))


def _times_ms(fn, x: np.ndarray, calls: int) -> np.ndarray:
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        fn(x)
        times.append((time.perf_counter() - started) * 1000)
    return np.array(times)


def main() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20_000, 60))
    y = (x[:, 0] + x[:, 1] * x[:, 2] + rng.normal(size=len(x)) > 0).astype(int)
    x[rng.random(x.shape) < 0.05] = np.nan
    params = {"objective": "binary", "num_leaves": 15, "verbose": -1, "num_threads": 1, "seed": 7}
    booster = lgb.train(params, lgb.Dataset(x, label=y), num_boost_round=300)
    started = time.perf_counter()
    explainer = build_explainer(booster)
    print(f"table build: {time.perf_counter() - started:.2f} s, {explainer.table.nbytes / 1e6:.1f} MB of tables")
    # Compile both paths (row by row below 16 rows, tree by tree from 16) outside the timings.
    explainer.contributions(x[:1])
    explainer.contributions(x[:16])

    def native(rows: np.ndarray) -> np.ndarray:
        return booster.predict(rows, pred_contrib=True, num_threads=1)

    print("| rows per call | tables p50 | tables p99 | `pred_contrib` p50 | `pred_contrib` p99 | calls |")
    print("|---|---|---|---|---|---|")
    for rows, calls in CALLS:
        fast = _times_ms(explainer.contributions, x[:rows], calls)
        slow = _times_ms(native, x[:rows], calls)
        print(
            f"| {rows} | {np.median(fast):.3f} | {np.percentile(fast, 99):.3f} | {np.median(slow):.3f} "
            f"| {np.percentile(slow, 99):.3f} | {calls} |"
        )


if __name__ == "__main__":
    main()
