"""Against a cluster, not only local mode: a Spark standalone master and two workers on 127.0.0.1.

Starts the master and the workers with ``spark-class`` from the pyspark package (the wheel ships
``bin/spark-class`` but not ``sbin/start-master.sh`` or ``start-worker.sh``), builds a ci-preset state
(simulator, landing contracts, ``dbt run`` on DuckDB) unless ``--home`` names one, then times against
``spark://127.0.0.1:7077``:
- the point-in-time read: the churn training set through Feast's Spark offline store, checked equal
  to the DuckDB read;
- the batch scores of the last as-of day (``serving.spark_batch``), checked equal to the in-process
  scorer within 1e-6;
- the nightly warehouse build: the dbt project's Spark target (``method: session``, so the dbt
  process is the Spark driver) with ``WEALTHPULSE_ENGINE=spark`` and ``WEALTHPULSE_SPARK_MASTER`` the
  cluster's master, on a Spark state of its own over the ci state's landing files and quarantine. The
  newest landing day is held back for a ``dbt run --full-refresh`` ("full build"), then landed and built
  incrementally with ``dbt run`` ("nightly increment"), as tests/spark/test_dbt_engines.py does in local
  mode; every mart of the increment is checked equal to the DuckDB marts of the ci state (money to the
  fen, other numbers within 1e-9). ``--no-nightly`` leaves it out.
The master and workers are stopped whatever happens; a failure names its step and the first line of
its error. Prints a markdown table; record it in benchmarks/README.md. Needs Java and the spark extra;
run it alone (it takes both cores):

    uv run --frozen python -m benchmarks.spark_cluster [--home DIR] [--json out.json] [--no-nightly]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from benchmarks.spark import dbt_step, first_error_line

HOST = "127.0.0.1"
MASTER_PORT = 7077
MASTER_UI_PORT = 18_081  # not 8080, which other tools take
WORKERS = 2
WORKER_CORES = 1
WORKER_MEMORY = "3g"
MASTER_URL = f"spark://{HOST}:{MASTER_PORT}"
# A function that runs the nightly warehouse build of a state directory against a master URL and
# returns its figures (seconds per build, marts compared).
NightlyBuild = Callable[[str, Path], dict[str, object]]


class StepFailed(RuntimeError):
    """A benchmark step that failed: its name and the first line of what went wrong."""


@dataclass
class Cluster:
    master_url: str
    processes: list[subprocess.Popen]
    logs: Path


def spark_home() -> Path:
    """The Spark distribution inside the pyspark package (its jars and bin/spark-class)."""
    import pyspark

    home = Path(pyspark.__file__).parent
    if not (home / "bin" / "spark-class").exists():
        raise FileNotFoundError(f"{home}/bin/spark-class is missing: reinstall the spark extra (uv sync --extra spark)")
    return home


def cluster_environment() -> dict[str, str]:
    """What the master, the workers and the executors they start run with: loopback, this Python."""
    return {
        **os.environ,
        "SPARK_HOME": str(spark_home()),
        "SPARK_LOCAL_IP": HOST,
        "PYSPARK_PYTHON": sys.executable,
        "PYSPARK_DRIVER_PYTHON": sys.executable,
    }


def _spark_class(main: str, *args: str, log: Path) -> subprocess.Popen:
    command = [str(spark_home() / "bin" / "spark-class"), main, *args]
    with log.open("w") as out:
        return subprocess.Popen(command, env=cluster_environment(), stdout=out, stderr=subprocess.STDOUT)


def _wait_for(condition: Callable[[], bool], what: str, logs: Path, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise TimeoutError(f"{what} not up within {timeout:.0f} s; see the logs in {logs}")


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((HOST, port)) == 0


def _alive_workers() -> int:
    try:
        with urllib.request.urlopen(f"http://{HOST}:{MASTER_UI_PORT}/json/", timeout=2) as response:
            return int(json.load(response).get("aliveworkers", 0))
    except OSError:
        return 0


@contextmanager
def standalone_cluster(workers: int = WORKERS, logs: Path | None = None) -> Iterator[Cluster]:
    """A standalone master and `workers` workers on 127.0.0.1, stopped on the way out, always."""
    if _port_open(MASTER_PORT):
        raise RuntimeError(f"port {MASTER_PORT} is taken: another Spark master runs on {HOST}; stop it first")
    logs = logs or Path(tempfile.mkdtemp(prefix="spark-cluster-"))
    processes: list[subprocess.Popen] = []
    try:
        processes.append(
            _spark_class(
                "org.apache.spark.deploy.master.Master",
                *("--host", HOST, "--port", str(MASTER_PORT), "--webui-port", str(MASTER_UI_PORT)),
                log=logs / "master.log",
            )
        )
        _wait_for(lambda: _port_open(MASTER_PORT), "the Spark master", logs)
        for i in range(workers):
            work = logs / f"worker-{i}"
            work.mkdir(exist_ok=True)
            processes.append(
                _spark_class(
                    "org.apache.spark.deploy.worker.Worker",
                    *("--host", HOST, "--cores", str(WORKER_CORES), "--memory", WORKER_MEMORY),
                    *("--webui-port", "0", "--work-dir", str(work), MASTER_URL),
                    log=logs / f"worker-{i}.log",
                )
            )
        _wait_for(lambda: _alive_workers() >= workers, f"{workers} Spark workers", logs)
        yield Cluster(MASTER_URL, processes, logs)
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in reversed(processes):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def driver_session(master_url: str):
    """The benchmark's Spark driver on `master_url`: one executor per worker, UTC, no UI."""
    from pyspark.sql import SparkSession

    os.environ.update({k: v for k, v in cluster_environment().items() if k.startswith(("SPARK_", "PYSPARK_"))})
    builder = (
        SparkSession.builder.master(master_url)
        .appName("wealthpulse-benchmark")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.catalogImplementation", "in-memory")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", HOST)
        .config("spark.executor.memory", "2g")
        .config("spark.executor.cores", str(WORKER_CORES))
        .config("spark.cores.max", str(WORKERS * WORKER_CORES))
        .config("spark.sql.shuffle.partitions", str(2 * WORKERS * WORKER_CORES))
        .config("spark.pyspark.python", sys.executable)
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
    )
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def ci_state(home: Path) -> Path:
    """A ci-preset state built on DuckDB: the marts the point-in-time read and the scores start from."""
    from simulator import PRESETS
    from tests.warehouse.state import dbt, land

    preset = PRESETS["ci"]
    land(home, preset.clients, preset.days)
    dbt(home, "run")
    return home


def _step(name: str, action: Callable[[], object]) -> object:
    try:
        return action()
    except StepFailed:
        raise
    except Exception as error:  # noqa: BLE001 - any failure is reported with the step it broke
        raise StepFailed(f"{name} failed: {type(error).__name__}: {first_error_line(str(error))}") from error


def nightly_build(master_url: str, home: Path, logs: Path | None = None) -> dict[str, object]:
    """The nightly warehouse build on the cluster at `master_url`, over the ci state at `home`: a Spark
    state of its own without the newest landing day, built from scratch, then the day landed and built
    incrementally; the increment's marts are checked equal to the DuckDB marts at `home`."""
    from landing.partitions import newest_partition
    from tests.warehouse.state import copy_landing, move_day, run_contracts
    from wealthpulse.settings import Settings

    work = Path(tempfile.mkdtemp(prefix="spark-nightly-"))
    logs = logs or work
    spark_state = work / "state"
    held_back = work / "newest-day"

    def prepare() -> str:
        copy_landing(home, spark_state)
        newest = newest_partition(spark_state / "landing")
        move_day(newest, spark_state / "landing", held_back)
        run_contracts(spark_state)  # as they ran the night before the newest day landed
        return newest

    newest = _step("preparing the Spark state", prepare)
    # The driver's heap only: the executors live on the workers. SPARK_LOCAL_IP=127.0.0.1 (the tool
    # environment) binds the driver to loopback, where the workers' executors reach it.
    settings = Settings(home=spark_state, engine="spark", preset="ci", spark_master=master_url)
    results: dict[str, object] = {}
    _, results["full_build_s"] = _timed(
        lambda: dbt_step(settings, "run", "--full-refresh", log=logs / "dbt-full-build.log"), "full build"
    )
    move_day(newest, held_back, spark_state / "landing")
    # The ci state's quarantine: the one its marts were built on, over these same landing files.
    shutil.rmtree(spark_state / "quarantine")
    shutil.copytree(home / "quarantine", spark_state / "quarantine")
    _, results["nightly_increment_s"] = _timed(
        lambda: dbt_step(settings, "run", log=logs / "dbt-nightly-increment.log"), "nightly increment"
    )
    results["marts_compared"] = _step("comparing the marts", lambda: _compare_marts(spark_state, home, newest))
    results["newest_day"] = newest
    shutil.rmtree(work / "state", ignore_errors=True)
    return results


def _compare_marts(nightly: Path, duckdb: Path, newest: str) -> int:
    """Every mart of the Spark increment at `nightly` equals the DuckDB mart at `duckdb` (the checks of
    tests/spark/test_dbt_engines.py), and the dated marts reach the newest day; the marts compared."""
    from tests.warehouse.marts import DAY_COLUMNS, MARTS, assert_marts_equal, newest_day_of, read_mart

    newest_day = datetime.date.fromisoformat(newest)
    for name in MARTS:
        if not (nightly / "marts" / f"{name}.parquet").exists():
            raise FileNotFoundError(f"the Spark increment wrote no marts/{name}.parquet")
        spark = read_mart(nightly, name)
        try:
            assert_marts_equal(spark, read_mart(duckdb, name), name)
        except AssertionError as error:
            raise AssertionError(
                f"mart {name} differs from the DuckDB build: {first_error_line(str(error))}"
            ) from error
        if name in DAY_COLUMNS and newest_day_of(spark, name) != newest_day:
            raise AssertionError(f"mart {name} does not reach the newest day {newest_day}")
    return len(MARTS)


def _timed(step: Callable[[], object], name: str | None = None) -> tuple[object, float]:
    name = name or getattr(step, "__name__", "step")
    started = time.perf_counter()
    result = _step(name, step)
    seconds = time.perf_counter() - started
    print(f"  {name}: {seconds:.1f} s", file=sys.stderr, flush=True)
    return result, seconds


def run(home: Path, nightly_build: NightlyBuild | None = None, workers: int = WORKERS) -> dict[str, object]:
    """Every step against a fresh standalone cluster over the ci state at `home`; seconds per step."""
    import numpy as np
    import pandas as pd

    from features.engines import repo_for
    from features.store import apply_repo, open_store
    from models.config import CHURN
    from models.training import TIMESTAMP, label_frame, training_frame
    from serving.batch import score_table
    from serving.scoring import Scorer
    from serving.spark_batch import spark_score_table
    from tests.spark.champions import trained_champions
    from wealthpulse.settings import Settings

    results: dict[str, object] = {}
    marts = home / "marts"
    labels = label_frame(pd.read_parquet(marts / "churn_labels.parquet"), CHURN)
    duckdb_store = open_store(Settings(home=home, preset="ci"), engine="duckdb")
    apply_repo(duckdb_store, repo_for("duckdb", marts))
    expected, results["duckdb_point_in_time_s"] = _timed(
        lambda: training_frame(duckdb_store, CHURN.feature_service, labels), "point-in-time read, DuckDB"
    )
    features, served, day = trained_champions(duckdb_store, labels)
    in_process, results["in_process_scores_s"] = _timed(
        lambda: score_table(Scorer(served), features, day), "scores, in process"
    )

    with standalone_cluster(workers) as cluster:
        results["master"] = cluster.master_url
        if nightly_build is not None:
            # dbt's own driver first, stopped with its process: one driver on the cluster at a time.
            results.update(nightly_build(cluster.master_url, home))
        spark, results["driver_session_s"] = _timed(lambda: driver_session(cluster.master_url), "driver session")
        try:
            spark_home_dir = Path(tempfile.mkdtemp(prefix="spark-feast-"))
            (spark_home_dir / "feast").mkdir()
            store = open_store(Settings(home=spark_home_dir, preset="ci"), engine="spark")
            _, results["feast_apply_s"] = _timed(lambda: apply_repo(store, repo_for("spark", marts)), "feast apply")
            got, results["spark_point_in_time_s"] = _timed(
                lambda: training_frame(store, CHURN.feature_service, labels), "point-in-time read, Spark"
            )
            same = lambda: pd.testing.assert_frame_equal(got, expected, check_exact=True)  # noqa: E731
            _step("comparing the point-in-time reads", same)
            results["point_in_time_rows"] = len(got)
            scored, results["spark_scores_s"] = _timed(
                lambda: spark_score_table(spark, served, features, day), "batch scores, Spark"
            )
            numbers = [c for c in in_process if in_process[c].dtype.kind == "f"]
            worst = float(np.nanmax(np.abs(scored[numbers].to_numpy() - in_process[numbers].to_numpy())))
            results["scores_rows"] = len(scored)
            results["scores_max_difference"] = worst
            if worst > 1e-6:
                raise StepFailed(f"comparing the scores failed: Spark's differ from the in-process ones by {worst}")
            # The driver is listed beside the executors.
            results["executors"] = spark.sparkContext._jsc.sc().getExecutorMemoryStatus().size() - 1
        finally:
            spark.stop()
    results["as_of"] = str(day)
    results["training_set_dates"] = int(labels[TIMESTAMP].nunique())
    return results


def markdown(results: dict[str, object]) -> str:
    machine = f"{platform.machine()}, {os.cpu_count()} cores"
    lines = [
        f"### {datetime.date.today().isoformat()} — {machine} — preset `ci`, {results['master']} "
        f"({WORKERS} workers x {WORKER_CORES} core)",
        "",
        "| step | seconds |",
        "|---|---|",
    ]
    labels = {
        "full_build_s": "full build, `dbt run --full-refresh` without the newest day, Spark",
        "nightly_increment_s": "nightly increment, `dbt run` of the newest day, Spark",
        "driver_session_s": "driver session (executors registered)",
        "feast_apply_s": "feast apply with Spark sources",
        "spark_point_in_time_s": f"point-in-time read, churn ({results.get('point_in_time_rows', 0):,} rows), Spark",
        "duckdb_point_in_time_s": "the same read, DuckDB in process",
        "spark_scores_s": f"batch scores ({results.get('scores_rows', 0):,} clients, 8 models), Spark",
        "in_process_scores_s": "the same scores, in process",
    }
    for key, label in labels.items():
        if key in results:
            lines.append(f"| {label} | {float(results[key]):.1f} |")
    if "marts_compared" in results:
        lines += ["", f"The increment's {results['marts_compared']} marts equal the DuckDB build's."]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="a ci-preset state to use (default: build one)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--no-nightly", action="store_true", help="leave out the nightly warehouse build")
    args = parser.parse_args()
    home = args.home
    built = None
    if home is None:
        built = home = Path(tempfile.mkdtemp(prefix="wealthpulse-spark-bench-"))
    try:
        if built is not None:
            _, seconds = _timed(lambda: ci_state(home), "ci state on DuckDB")
            print(f"ci state built on DuckDB in {seconds:.0f} s", flush=True)
        results = run(home, nightly_build=None if args.no_nightly else nightly_build)
    except StepFailed as error:
        print(f"spark_cluster: {error}", file=sys.stderr)
        return 1
    finally:
        if built is not None:
            shutil.rmtree(built, ignore_errors=True)
    print(markdown(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
