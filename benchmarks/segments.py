"""Segments at scale: membership of the catalog's segments and one preview count over a large audience.

Builds a random audience of N clients with the catalog's 115 tags, tiers, groups, risk levels and
scores (the shape the serving/segment_audience asset writes), then times writing the membership of
every catalog segment (DuckDB over parquet) and one ``count_members`` as POST /segments/preview
runs it. Prints a markdown table with the machine and the date; record it in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from orchestration.defs.serving.tag_catalog import catalog_tags
from serving.segments import parse
from serving.segments.audience import audience_vocabulary, count_members, write_membership
from serving.segments.catalog import load_segments
from serving.segments.vocabulary import PREFERENCE_GROUPS, SCORES, TIERS

PREVIEW = "tier in ('T4','T5') and churn_60d > 0.6 and holds_fund and risk_level >= 'C3'"


def random_audience(clients: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    tier_code = rng.integers(1, 6, clients)
    group_code = rng.integers(1, 16, clients)
    risk_code = rng.integers(0, 6, clients)
    frame = {
        "client_id": [f"C{i:07d}" for i in range(1, clients + 1)],
        "as_of_date": datetime.date(2025, 11, 27),
        "tier": np.array(TIERS)[tier_code - 1],
        "tier_code": tier_code,
        "preference_group": np.array(PREFERENCE_GROUPS)[group_code - 1],
        "preference_group_code": group_code,
        "risk_level": np.where(risk_code > 0, np.char.add("C", risk_code.astype(str)), None),
        "risk_level_code": risk_code,
        **{score: rng.beta(0.5, 8.0, clients) for score in SCORES},
        **{f"tag_{tag}": (rng.random(clients) < 0.2).astype("int32") for tag in catalog_tags()},
    }
    return pd.DataFrame(frame)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=1_000_000)
    args = parser.parse_args()
    total_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    with tempfile.TemporaryDirectory(prefix="segments-bench-") as tmp:
        path = Path(tmp) / "audience.parquet"
        random_audience(args.clients).to_parquet(path, index=False)
        vocabulary = audience_vocabulary(path)
        started = time.perf_counter()
        segments = load_segments(vocabulary)
        compile_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        result = write_membership(path, segments, Path(tmp) / "membership")
        membership_s = time.perf_counter() - started
        tree = parse(PREVIEW, vocabulary)
        count_members(path, tree, vocabulary, sample=5)
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            count_members(path, tree, vocabulary, sample=5)
            timings.append(time.perf_counter() - started)
    print(
        f"### {datetime.date.today()} — {platform.machine()}, {os.cpu_count()} cores, {total_gib:.0f} GiB, "
        f"Python {platform.python_version()} — audience of {args.clients:,} clients\n"
    )
    print("| step | seconds |")
    print("|---|---|")
    print(f"| load and compile the catalog ({len(segments)} segments) | {compile_ms / 1000:.3f} |")
    print(f"| membership of every segment ({sum(m.members for m in result):,} member rows) | {membership_s:.2f} |")
    print(f"| one preview count with 5 sample ids (median of 5) | {sorted(timings)[2]:.3f} |")


if __name__ == "__main__":
    main()
