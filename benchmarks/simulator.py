"""Simulator throughput: full runs of the ci and demo presets, and a one-day increment at bench scale.

The bench increment first writes a one-day run of 1,000,000 clients (the saved state it needs),
then times ``next_day``. Prints a markdown table with the machine and the date; record it in
benchmarks/README.md. Run it alone: it uses both cores and a few GB of memory.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import resource
import shutil
import tempfile
import time
from pathlib import Path

from simulator import PRESETS, next_day, simulate_to_disk


def _peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _row(label: str, client_days: int, seconds: float, cpu: float, rows: int) -> str:
    return f"| {label} | {client_days:,} | {seconds:.1f} | {cpu:.1f} | {client_days / seconds:,.0f} | {rows:,} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-bench", action="store_true", help="only the ci and demo presets")
    args = parser.parse_args()
    total_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    print(
        f"### {datetime.date.today()} — {platform.machine()}, {os.cpu_count()} cores, {total_gib:.0f} GiB, "
        f"Python {platform.python_version()}\n"
    )
    print(f"load average at the start: {os.getloadavg()[0]:.1f}\n")
    print("| run | client-days | seconds | CPU seconds | client-days/s | rows written |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for preset in ("ci", "small", "demo"):
            p = PRESETS[preset]
            out = Path(tmp) / preset
            started, cpu = time.perf_counter(), _cpu()
            summary = simulate_to_disk(p.clients, p.days, 7, out, progress=False)
            seconds, cpu = time.perf_counter() - started, _cpu() - cpu
            label = f"`{preset}` full run ({p.clients:,} x {p.days})"
            print(_row(label, summary.client_days, seconds, cpu, sum(summary.rows.values())), flush=True)
            shutil.rmtree(out)
        if not args.skip_bench:
            clients = PRESETS["bench"].clients
            out = Path(tmp) / "bench"
            started, cpu = time.perf_counter(), _cpu()
            first = simulate_to_disk(clients, 1, 7, out, progress=False)
            seconds, cpu = time.perf_counter() - started, _cpu() - cpu
            label = f"`bench` first day ({clients:,} x 1)"
            print(_row(label, first.client_days, seconds, cpu, sum(first.rows.values())), flush=True)
            started, cpu = time.perf_counter(), _cpu()
            inc = next_day(out, progress=False)
            seconds, cpu = time.perf_counter() - started, _cpu() - cpu
            label = f"`bench` one-day increment (`--next-day`, {clients:,} clients, {inc.oracle_rows:,} oracle rows)"
            print(_row(label, inc.client_days, seconds, cpu, sum(inc.rows.values())))
    print(f"\npeak memory of the process: {_peak_gib():.1f} GiB; load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
