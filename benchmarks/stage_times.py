"""The table of `wealthpulse run` stage times at several scales, from the runs' own records.

Every `wealthpulse run` records its stages' wall times and rows in `<home>/runs/<id>.json`. Give this the
state directories (or record files) of runs at different scales, e.g. one per preset:

    WEALTHPULSE_PRESET=ci    WEALTHPULSE_HOME=/tmp/wp-ci    uv run wealthpulse run
    WEALTHPULSE_PRESET=small WEALTHPULSE_HOME=/tmp/wp-small uv run wealthpulse run
    uv run python -m benchmarks.stage_times /tmp/wp-ci /tmp/wp-small

It prints a markdown table for benchmarks/README.md (seconds per stage per run, the rows each stage wrote,
and each stage's seconds per million client-days, which stays flat where a stage grows with the book) and,
with `--out`, writes the same figures as JSON. A directory gives its newest successful run.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from orchestration.progress import STAGES, runs_dir


def load_record(path: Path) -> dict:
    """A run's record: the file itself, or the newest successful one under a state directory's runs/."""
    if path.is_file():
        return json.loads(path.read_text())
    folder = runs_dir(path) if (path / "runs").is_dir() else path
    for file in sorted(folder.glob("*.json"), reverse=True):
        record = json.loads(file.read_text())
        if record.get("ok"):
            return record
    raise SystemExit(f"no successful run recorded in {folder} (run `wealthpulse run` with WEALTHPULSE_HOME={path})")


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f}"


def table(records: list[dict]) -> str:
    """Stages as rows, runs as columns: seconds (rows), then seconds per million client-days."""
    records = sorted(records, key=lambda r: (r.get("clients") or 0) * (r.get("days") or 0))
    heads = [f"{r['preset']} ({r.get('clients') or 0:,} x {r.get('days') or 0} days)" for r in records]
    lines = [
        "| stage | "
        + " | ".join(f"{h}: s (rows)" for h in heads)
        + " | "
        + " | ".join(f"{h}: s / M client-days" for h in heads)
        + " |",
        "|---|" + "---|" * (2 * len(records)),
    ]
    by_stage = [{s["stage"]: s for s in r.get("stages", [])} for r in records]
    for stage in STAGES:
        cells, per = [], []
        for record, stages in zip(records, by_stage, strict=True):
            entry = stages.get(stage.name)
            if entry is None or entry.get("status") == "not run":
                cells.append("—")
                per.append("—")
                continue
            rows = f" ({entry['rows']:,})" if entry.get("rows") is not None else ""
            cells.append(f"{_seconds(entry['seconds'])}{rows}")
            client_days = (record.get("clients") or 0) * (record.get("days") or 0)
            per.append(_seconds(entry["seconds"] / client_days * 1e6) if client_days else "—")
        lines.append(f"| {stage.label} | " + " | ".join(cells) + " | " + " | ".join(per) + " |")
    totals = [_seconds(r["seconds"]) for r in records]
    lines.append("| **the whole run** | " + " | ".join(totals) + " | " + " | ".join("" for _ in records) + " |")
    loads = ", ".join(
        f"{r['preset']} {r['id']}: load average {' / '.join(str(x) for x in r.get('load_average', []))} on "
        f"{r.get('cpus')} cores"
        for r in records
    )
    return "\n".join(lines) + f"\n\nRuns: {loads}."


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.stage_times", description=__doc__.splitlines()[0])
    parser.add_argument(
        "runs", nargs="+", type=Path, help="state directories (WEALTHPULSE_HOME) or runs/<id>.json files"
    )
    parser.add_argument("--out", type=Path, help="also write the records' stage times here as JSON")
    args = parser.parse_args(argv)
    records = [load_record(path) for path in args.runs]
    print(table(records))
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(records, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
