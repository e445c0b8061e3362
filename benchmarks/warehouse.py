"""The warehouse at demo scale: a full ``dbt build``, one nightly increment, and a 3,000-tag catalog.

Simulates the ``demo`` preset into a temporary state directory, runs the landing contracts, then
times (seconds, peak memory of dbt and its children):
- ``dbt build --full-refresh`` of the whole project,
- ``--next-day`` (one more landing day) followed by an incremental ``dbt build``,
- the tag marts built from a temporary copy of the project whose catalog holds 3,000 generated
  tags beside the declared ones (column thresholds over the trailing-window features).
Prints a markdown table with the machine and the date; record it in benchmarks/README.md.
Run it alone: ``uv run --frozen python -m benchmarks.warehouse`` (needs a few GB and both cores).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import yaml

from simulator import PRESETS
from simulator.presets import Preset
from tests.warehouse.state import DBT_PROJECT, land, land_next_day
from wealthpulse.settings import Settings

TAG_CATALOG = Path("models/marts/tags/_tag_catalog.yml")
THRESHOLDS = [1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100, 150, 200, 300, 500,
              1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 500_000]  # fmt: skip
DIMENSIONS = ["basic_attributes", "assets_and_trading", "preferences", "value_and_risk"]


def generated_tags(count: int, project_dir: Path = DBT_PROJECT) -> list[dict]:
    """``count`` tags: every trailing-window metric of dbt_project.yml at rising thresholds."""
    config = yaml.safe_load((project_dir / "dbt_project.yml").read_text())["vars"]
    columns = [
        f"{metric}_{days}d"
        for metrics in config["window_metrics"].values()
        for metric in metrics
        for days in config["feature_windows"]
    ]
    tags = []
    for i in range(count):
        column, threshold = columns[i % len(columns)], THRESHOLDS[(i // len(columns)) % len(THRESHOLDS)]
        tags.append(
            {
                "name": f"gen_{column}_ge_{threshold}",
                "dimension": DIMENSIONS[i % len(DIMENSIONS)],
                "description": f"{column} at least {threshold}.",
                "owner": "benchmark",
                "column": column,
                "min": threshold,
                "feature": i % 10 == 0,  # a tenth also become columns of the wide tags mart
            }
        )
    return tags


def project_with_tags(tags: list[dict], into: Path) -> Path:
    """A copy of the dbt project whose catalog also holds ``tags``."""
    project = into / "dbt_project"
    shutil.copytree(DBT_PROJECT, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    catalog = yaml.safe_load((project / TAG_CATALOG).read_text())
    node = next(m for m in catalog["models"] if m["name"] == "mart_client_tags_long")
    node["config"]["meta"]["tag_catalog"].extend(tags)
    (project / TAG_CATALOG).write_text(yaml.safe_dump(catalog, allow_unicode=True, sort_keys=False))
    return project


def timed_dbt(home: Path, project: Path, *args: str) -> tuple[float, float]:
    """Run dbt; return (seconds, peak GiB of dbt and its children, sampled every 0.2 s)."""
    env = {**os.environ, "WEALTHPULSE_HOME": str(home), "DBT_SEND_ANONYMOUS_USAGE_STATS": "False"}
    command = [str(Path(sys.executable).parent / "dbt"), *args, "--project-dir", str(project)]
    command += ["--profiles-dir", str(project), "--target-path", str(home / f"target-{project.parent.name}")]
    peak = 0
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(process.stdout), daemon=True)
    reader.start()
    watched = psutil.Process(process.pid)
    while process.poll() is None:
        try:
            rss = sum(p.memory_info().rss for p in [watched, *watched.children(recursive=True)])
        except psutil.Error:
            rss = 0
        peak = max(peak, rss)
        time.sleep(0.2)
    seconds = time.perf_counter() - started
    reader.join()
    if process.returncode != 0:
        raise SystemExit(f"dbt {' '.join(args)} failed:\n{''.join(output)[-4000:]}")
    return seconds, peak / 1024**3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--preset", default="demo", choices=sorted(PRESETS))
    parser.add_argument("--clients", type=int, help="override the preset's number of clients")
    parser.add_argument("--days", type=int, help="override the preset's number of days")
    parser.add_argument("--tags", type=int, default=3000, help="generated tags beside the declared ones (0: skip)")
    args = parser.parse_args()
    preset = PRESETS[args.preset]
    preset = Preset(clients=args.clients or preset.clients, days=args.days or preset.days)
    total_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    print(
        f"### {datetime.date.today()} — {platform.machine()}, {os.cpu_count()} cores, {total_gib:.0f} GiB, "
        f"Python {platform.python_version()} — warehouse, preset `{args.preset}` "
        f"({preset.clients:,} clients, {preset.days} days), DuckDB memory limit "
        f"{Settings.from_env().duckdb_memory}\n",
        flush=True,
    )
    rows = []
    with tempfile.TemporaryDirectory(prefix="wealthpulse-bench-") as tmp:
        started = time.perf_counter()
        home = land(Path(tmp) / "home", preset.clients, preset.days)
        print(f"simulated and checked the landing in {time.perf_counter() - started:.0f} s", flush=True)
        seconds, gib = timed_dbt(home, DBT_PROJECT, "build", "--full-refresh")
        rows.append(("full `dbt build --full-refresh` (models, exports, tests)", seconds, gib))
        print(rows[-1], flush=True)
        land_next_day(home)
        seconds, gib = timed_dbt(home, DBT_PROJECT, "build")
        rows.append(("nightly: one more landing day, incremental `dbt build`", seconds, gib))
        print(rows[-1], flush=True)
        if args.tags:
            project = project_with_tags(generated_tags(args.tags), Path(tmp) / "tags")
            select = ["--select", "mart_client_tags_long", "mart_client_tags_wide"]
            seconds, gib = timed_dbt(home, project, "build", *select)
            label = f"tag marts with {args.tags:,} generated + the declared tags (parse, build, tests)"
            rows.append((label, seconds, gib))
    print("\n| run | seconds | peak GiB |\n|---|---|---|")
    for label, seconds, gib in rows:
        print(f"| {label} | {seconds:.1f} | {gib:.2f} |")


if __name__ == "__main__":
    main()
