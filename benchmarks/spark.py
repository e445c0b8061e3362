"""The nightly increment on DuckDB and on Spark, same machine, same landing: ratios, and Spark's throughput.

For each size (``--sizes 2000x35 10000x35 50000x35``: clients x days of history) it simulates a landing,
runs the landing contracts, builds the whole warehouse once on each engine (``dbt run --full-refresh``,
timed: the full build's client-days per CPU-second), lands one more day, then times the nightly increment
as the asset graph runs it, on each engine in turn:

- warehouse: ``dbt source freshness`` and the incremental ``dbt build`` of the new day (on Spark, also
  collecting the exported marts into ``marts/<name>.parquet``);
- online store: ``feast apply`` and the materialization of the newest day of every feature view;
- batch scores: every service's point-in-time features of the newest day's clients and the scores of
  every champion with reasons (in process on DuckDB; ``mapInPandas`` on Spark's executors);
- leads: the day's lead list from those scores (the same pandas code on either engine).

Every step records wall seconds, CPU seconds and peak resident memory of this process and every process
under it (dbt, the Spark JVMs, Spark's Python workers), sampled every 0.2 s: on a shared machine the CPU
seconds, not the wall, say what a step costs. The two engines' scores are checked equal (1e-6).

The champions are read from a state directory's model store (``--champions HOME``: a state after
``wealthpulse run``), else trained on a ci-preset state built here (small models, as the Spark tests use).
Prints markdown tables for benchmarks/README.md; ``--json`` also writes the figures. Needs Java and the
spark extra; run it alone:

    uv run --frozen python -m benchmarks.spark --sizes 2000x35 10000x35 50000x35 [--champions HOME]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

ENGINES = ("duckdb", "spark")
NIGHTLY_STEPS = ("warehouse", "online store", "batch scores", "leads")
SAMPLE_SECONDS = 0.2


@dataclass
class Measured:
    """What one step cost: wall and CPU seconds, peak resident memory, of this process and its descendants."""

    wall: float = 0.0
    cpu: float = 0.0
    peak_gib: float = 0.0

    def __add__(self, other: Measured) -> Measured:
        return Measured(self.wall + other.wall, self.cpu + other.cpu, max(self.peak_gib, other.peak_gib))


class TreeMeter:
    """CPU and memory of a process and every process under it, sampled in a thread.

    A process's CPU is counted from its value when the meter started (0 for one started later) to its
    last sample: a process that ends loses at most one sampling interval. Processes are told apart by
    pid and start time, so a reused pid is a new process.
    """

    def __init__(self, pid: int | None = None) -> None:
        self.root = psutil.Process(pid or os.getpid())
        self.base: dict[tuple[int, float], float] = {}
        self.last: dict[tuple[int, float], float] = {}
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _sample(self) -> tuple[dict[tuple[int, float], float], int]:
        cpu, rss = {}, 0
        try:
            processes = [self.root, *self.root.children(recursive=True)]
        except psutil.Error:
            processes = [self.root]
        for process in processes:
            try:
                with process.oneshot():
                    times = process.cpu_times()
                    cpu[(process.pid, process.create_time())] = times.user + times.system
                    rss += process.memory_info().rss
            except psutil.Error:
                continue  # ended between the listing and the read
        return cpu, rss

    def _loop(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            cpu, rss = self._sample()
            self.last.update(cpu)
            self.peak = max(self.peak, rss)

    def __enter__(self) -> TreeMeter:
        self.base, self.peak = self._sample()
        self.last = dict(self.base)
        self.started = time.perf_counter()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        cpu, rss = self._sample()
        self.last.update(cpu)
        self.peak = max(self.peak, rss)
        self.result = Measured(
            wall=time.perf_counter() - self.started,
            cpu=sum(value - self.base.get(key, 0.0) for key, value in self.last.items()),
            peak_gib=self.peak / 1024**3,
        )


def measured(step: Callable[[], object], label: str) -> tuple[object, Measured]:
    with TreeMeter() as meter:
        result = step()
    m = meter.result
    print(f"  {label}: {m.wall:.1f} s wall, {m.cpu:.1f} s CPU, peak {m.peak_gib:.2f} GiB", file=sys.stderr, flush=True)
    return result, m


# --- the steps -----------------------------------------------------------------------------------------


def settings_of(home: Path, engine: str):
    from wealthpulse.settings import Settings

    return Settings(home=home, preset="ci", engine=engine)


class DbtFailed(RuntimeError):
    """dbt exited with an error: the message names the command and dbt's first error line."""


def first_error_line(text: str) -> str:
    """The first line that says what went wrong: dbt's first error line, else the first non-empty one
    (a Java trace's first line is its exception and message)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for i, line in enumerate(lines):
        # dbt's summary: "Database Error in model x (path)", then the message on the next line.
        if " Error in " in line:
            return " ".join(lines[i : i + 2])
    for line in lines:
        if "error" in line.lower() and "completed with" not in line.lower():
            return line
    return lines[0] if lines else "(no message)"


def dbt_step(settings, *args: str, check: bool = True, log: Path | None = None) -> None:
    """dbt against the state directory of `settings` on its engine, as the warehouse asset runs it; on
    Spark, the exports then collected into marts/<name>.parquet. dbt's output is kept in `log` when one
    is named; a failure says dbt's first error line."""
    from tests.warehouse.state import dbt
    from wealthpulse.spark import collect_exports

    result = dbt(settings.home, *args, check=False, environ=settings.tool_environment(), timeout=None)
    output = result.stdout + result.stderr
    if log is not None:
        log.write_text(output)
    if check and result.returncode != 0:
        where = f"the whole output: {log}" if log is not None else f"its last lines:\n{output[-4000:]}"
        raise DbtFailed(f"dbt {' '.join(args)} failed: {first_error_line(output)} ({where})")
    if settings.engine == "spark" and args[0] in ("run", "build"):
        collect_exports(settings)


def dbt_timings(home: Path) -> dict[str, float]:
    """Seconds of each node of the last dbt invocation in `home` (models by name, tests summed)."""
    results = json.loads((home / "dbt-target" / "run_results.json").read_text())["results"]
    timings: dict[str, float] = {"(tests)": 0.0}
    for result in results:
        kind, _, name = result["unique_id"].split(".", 2)
        if kind == "model":
            timings[name.rsplit(".", 1)[-1]] = round(result["execution_time"], 2)
        else:
            timings["(tests)"] += result["execution_time"]
    timings["(tests)"] = round(timings["(tests)"], 2)
    return timings


def open_engine_store(home: Path, engine: str):
    """The feature store of `home` on `engine`, its repo applied (`feast apply`)."""
    from features.engines import repo_for
    from features.store import apply_repo, open_store

    settings = settings_of(home, engine)
    if engine == "spark":
        from wealthpulse.spark import spark_session

        spark_session(settings, app_name="wealthpulse-benchmark")  # the session Feast's store then uses
    store = open_store(settings, engine=engine)
    apply_repo(store, repo_for(engine, settings.marts_dir))
    return store


def materialize_newest_day(store, home: Path) -> int:
    """The newest as-of day of every feature view into the online store, as the online store asset does."""
    import pandas as pd

    from features.views import BATCH_VIEWS, client_live_events

    marts = home / "marts"
    as_of = pd.to_datetime(pd.read_parquet(marts / "client_features.parquet", columns=["as_of_date"])["as_of_date"])
    latest = as_of.max()
    end = latest.tz_localize("UTC") + datetime.timedelta(days=1)
    start = end - datetime.timedelta(days=1)
    for view in [*BATCH_VIEWS, client_live_events]:
        store.materialize(start_date=start.to_pydatetime(), end_date=end.to_pydatetime(), feature_views=[view.name])
    return int((as_of == latest).sum())


def newest_day_clients(home: Path):
    import pandas as pd

    suitability = pd.read_parquet(home / "marts" / "client_suitability.parquet")
    suitability["as_of_date"] = pd.to_datetime(suitability["as_of_date"]).dt.date
    day = suitability["as_of_date"].max()
    return suitability[suitability["as_of_date"] == day].reset_index(drop=True), day


def batch_scores(store, home: Path, engine: str, served: dict):
    """The newest day's point-in-time features of every service, then every champion's scores."""

    from serving.batch import point_in_time_features, score_table
    from serving.scoring import Scorer

    clients, day = newest_day_clients(home)
    services = sorted({model.feature_service for model in served.values()})
    features = point_in_time_features(store, services, clients, day)
    if engine == "spark":
        from serving.spark_batch import spark_score_table
        from wealthpulse.spark import spark_session

        spark = spark_session(settings_of(home, engine), app_name="wealthpulse-benchmark")
        scores = spark_score_table(spark, served, features, day)
    else:
        scores = score_table(Scorer(served), features, day)
    return scores, day


def lead_list(home: Path, scores, day):
    """The day's leads from the scores, with the lead asset's inputs (no list of a day before)."""
    import pandas as pd

    from serving.batch import intent_of
    from serving.leads import leads_from_marts

    clients, _ = newest_day_clients(home)
    return leads_from_marts(
        intent_of(scores),
        clients,
        pd.read_parquet(home / "marts" / "products.parquet"),
        pd.read_parquet(home / "marts" / "campaign_outcomes.parquet"),
        day,
    )


@contextmanager
def spark_stopped():
    """The benchmark's own Spark session stopped on the way out (the next engine or size starts afresh)."""
    try:
        yield
    finally:
        try:
            from pyspark.sql import SparkSession

            active = SparkSession.getActiveSession()
            if active is not None:
                active.stop()
        except ImportError:
            pass


# --- one size ------------------------------------------------------------------------------------------


@dataclass
class SizeResult:
    clients: int
    days: int
    full_build: dict[str, Measured] = field(default_factory=dict)
    nightly: dict[str, dict[str, Measured]] = field(default_factory=dict)
    scored: int = 0
    leads: dict[str, int] = field(default_factory=dict)
    # Seconds of each dbt model in the nightly build, per engine (what grows with history, what does not).
    models: dict[str, dict[str, float]] = field(default_factory=dict)
    scores_max_difference: float = 0.0
    load_average: list[float] = field(default_factory=list)


def nightly(home: Path, engine: str, served: dict) -> tuple[dict[str, Measured], object, int, dict[str, float]]:
    from landing.partitions import newest_partition
    from orchestration.defs.warehouse.freshness import freshness_arguments

    steps: dict[str, Measured] = {}
    with spark_stopped():
        # As the warehouse asset runs it: on Spark, judged against the newest landing day, named.
        newest = newest_partition(home / "landing")
        arguments = freshness_arguments(newest if engine == "spark" else None)
        settings = settings_of(home, engine)
        _, freshness = measured(lambda: dbt_step(settings, *arguments, check=False), f"{engine} freshness")
        _, build = measured(lambda: dbt_step(settings, "build"), f"{engine} dbt build")
        steps["warehouse"] = freshness + build
        timings = dbt_timings(home)
        store, apply = measured(lambda: open_engine_store(home, engine), f"{engine} feast apply")
        _, materialize = measured(lambda: materialize_newest_day(store, home), f"{engine} materialize")
        steps["online store"] = apply + materialize
        (scores, day), steps["batch scores"] = measured(
            lambda: batch_scores(store, home, engine, served), f"{engine} batch scores"
        )
        leads, steps["leads"] = measured(lambda: lead_list(home, scores, day), f"{engine} leads")
    return steps, scores, len(leads), timings


def measure_size(clients: int, days: int, served: dict, work: Path) -> SizeResult:
    import numpy as np

    from tests.warehouse.state import copy_landing, land, land_next_day

    result = SizeResult(clients, days, load_average=list(os.getloadavg()))
    print(f"{clients:,} clients x {days} days", file=sys.stderr, flush=True)
    homes = {"duckdb": work / f"duckdb-{clients}"}
    _, landed = measured(lambda: land(homes["duckdb"], clients, days), "landing and contracts")
    homes["spark"] = copy_landing(homes["duckdb"], work / f"spark-{clients}")
    for engine in ENGINES:
        _, result.full_build[engine] = measured(
            lambda engine=engine: dbt_step(settings_of(homes[engine], engine), "run", "--full-refresh"),
            f"{engine} full build",
        )
    land_next_day(homes["duckdb"])
    # The same new day on both engines: the landing and the quarantine copied over, file for file.
    for folder in ("landing", "quarantine"):
        shutil.copytree(homes["duckdb"] / folder, homes["spark"] / folder, dirs_exist_ok=True)
    scores = {}
    for engine in ENGINES:
        result.nightly[engine], scores[engine], result.leads[engine], result.models[engine] = nightly(
            homes[engine], engine, served
        )
    numbers = [c for c in scores["duckdb"] if scores["duckdb"][c].dtype.kind == "f"]
    spark = scores["spark"].set_index("client_id").loc[scores["duckdb"]["client_id"]].reset_index()
    result.scored = len(scores["duckdb"])
    result.scores_max_difference = float(
        np.nanmax(np.abs(spark[numbers].to_numpy(dtype=float) - scores["duckdb"][numbers].to_numpy(dtype=float)))
    )
    result.load_average += list(os.getloadavg())
    for home in homes.values():
        shutil.rmtree(home, ignore_errors=True)
    return result


def champions(home: Path | None, work: Path) -> dict:
    """The champions of `home`'s model store, else small ones trained on a ci state built here."""
    if home is not None:
        os.environ["BENTOML_HOME"] = str(Path(home).resolve() / "bentoml")
        from serving.served_models import load_all

        served = load_all()
        if not served:
            raise SystemExit(f"no champion in {home}/bentoml: run `wealthpulse run` with WEALTHPULSE_HOME={home}")
        return served
    import pandas as pd

    from benchmarks.spark_cluster import ci_state
    from features.engines import repo_for
    from features.store import apply_repo, open_store
    from models.config import CHURN
    from models.training import label_frame
    from tests.spark.champions import trained_champions
    from wealthpulse.settings import Settings

    state = ci_state(work / "champions")
    store = open_store(Settings(home=state, preset="ci"), engine="duckdb")
    apply_repo(store, repo_for("duckdb", state / "marts"))
    labels = label_frame(pd.read_parquet(state / "marts" / "churn_labels.parquet"), CHURN)
    _, served, _ = trained_champions(store, labels)
    shutil.rmtree(state, ignore_errors=True)
    return served


# --- the report ----------------------------------------------------------------------------------------


def _total(steps: dict[str, Measured]) -> Measured:
    total = Measured()
    for step in NIGHTLY_STEPS:
        total = total + steps[step]
    return total


def markdown(results: list[SizeResult], cores: int) -> str:
    total_gib = psutil.virtual_memory().total / 1024**3
    lines = [
        f"### {datetime.date.today().isoformat()} — {platform.machine()}, {os.cpu_count()} cores, "
        f"{total_gib:.0f} GiB, Python {platform.python_version()} — DuckDB against Spark local[{cores}]",
        "",
        "Nightly increment (one new landing day), seconds wall / CPU (this process and every process under it):",
        "",
        "| clients x days | step | DuckDB wall / CPU | Spark wall / CPU | Spark / DuckDB, wall | Spark / DuckDB, CPU |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        for step in (*NIGHTLY_STEPS, "total"):
            d = _total(r.nightly["duckdb"]) if step == "total" else r.nightly["duckdb"][step]
            s = _total(r.nightly["spark"]) if step == "total" else r.nightly["spark"][step]
            name = f"**{step}**" if step == "total" else step
            lines.append(
                f"| {r.clients:,} x {r.days} | {name} | {d.wall:.1f} / {d.cpu:.1f} | {s.wall:.1f} / {s.cpu:.1f} | "
                f"{s.wall / d.wall:.1f}x | {s.cpu / d.cpu:.1f}x |"
            )
    lines += [
        "",
        "Spark's throughput (client-days per CPU-second is per core; per wall-second per core divides by "
        f"the {cores} cores of local[{cores}]):",
        "",
        "| clients x days | full build: wall / CPU s | full build: client-days / CPU-s | full build: client-days / "
        "wall-s / core | nightly: wall / CPU s | nightly: clients / CPU-s | peak GiB (nightly) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        full, night = r.full_build["spark"], _total(r.nightly["spark"])
        client_days = r.clients * r.days
        lines.append(
            f"| {r.clients:,} x {r.days} | {full.wall:.1f} / {full.cpu:.1f} | {client_days / full.cpu:,.0f} | "
            f"{client_days / full.wall / cores:,.0f} | {night.wall:.1f} / {night.cpu:.1f} | "
            f"{r.clients / night.cpu:,.1f} | {night.peak_gib:.2f} |"
        )
    lines += ["", "Scores equal across the engines, leads of each engine, load average before / after:", ""]
    for r in results:
        load = " / ".join(f"{x:.1f}" for x in r.load_average)
        lines.append(
            f"- {r.clients:,} x {r.days}: {r.scored:,} clients scored, largest difference "
            f"{r.scores_max_difference:.1e}; leads DuckDB {r.leads['duckdb']:,}, Spark {r.leads['spark']:,}; "
            f"DuckDB full build {r.full_build['duckdb'].wall:.1f} s wall / {r.full_build['duckdb'].cpu:.1f} s CPU; "
            f"load {load}"
        )
    return "\n".join(lines)


def parse_size(text: str) -> tuple[int, int]:
    clients, _, days = text.lower().partition("x")
    if not (clients.isdigit() and days.isdigit()):
        raise argparse.ArgumentTypeError(f"{text!r}: expected CLIENTSxDAYS, e.g. 10000x35")
    return int(clients), int(days)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.spark", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=parse_size, default=[(2_000, 35), (10_000, 35), (50_000, 35)])
    parser.add_argument("--champions", type=Path, help="a state after `wealthpulse run` whose champions score")
    parser.add_argument("--work", type=Path, help="where the states are built (default: a temporary folder)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    from wealthpulse.settings import Settings
    from wealthpulse.spark import check_spark

    settings = Settings(home=Path(tempfile.gettempdir()), engine="spark")
    check_spark(settings)
    cores = int(settings.spark_master.removeprefix("local[").removesuffix("]")) if "[" in settings.spark_master else 1
    work = args.work or Path(tempfile.mkdtemp(prefix="wealthpulse-spark-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        served = champions(args.champions, work)
        print(f"{len(served)} champions", file=sys.stderr, flush=True)
        results = []
        for clients, days in args.sizes:
            results.append(measure_size(clients, days, served, work))
            if args.json:  # after every size: a long run stopped halfway keeps what it measured
                args.json.write_text(json.dumps([asdict(r) for r in results], indent=2))
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    print(markdown(results, cores))
    return 0


if __name__ == "__main__":
    sys.exit(main())
