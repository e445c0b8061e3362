"""Against a cluster, not only local mode: a Spark standalone master and two workers on 127.0.0.1.

Starts the master and the workers with ``spark-class`` from the pyspark package (the wheel ships
``bin/spark-class`` but not ``sbin/start-master.sh`` or ``start-worker.sh``), builds a ci-preset state
(simulator, landing contracts, ``dbt run`` on DuckDB) unless ``--home`` names one, then times against
``spark://127.0.0.1:7077``:
- the point-in-time read: the churn training set through Feast's Spark offline store, checked equal
  to the DuckDB read;
- the batch scores of the last as-of day (``serving.spark_batch``), checked equal to the in-process
  scorer within 1e-6;
- the nightly warehouse build, when a build function is given (``nightly_build``: a function of the
  master URL and the state directory; the dbt project's Spark target provides it).
The master and workers are stopped whatever happens. Prints a markdown table; record it in
benchmarks/README.md. Needs Java and the spark extra; run it alone (it takes both cores):

    uv run --frozen python -m benchmarks.spark_cluster [--home DIR] [--json out.json]
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

HOST = "127.0.0.1"
MASTER_PORT = 7077
MASTER_UI_PORT = 18_081  # not 8080, which other tools take
WORKERS = 2
WORKER_CORES = 1
WORKER_MEMORY = "3g"
MASTER_URL = f"spark://{HOST}:{MASTER_PORT}"
# A function that runs the nightly warehouse build of a state directory against a master URL.
NightlyBuild = Callable[[str, Path], None]


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


def _timed(step: Callable[[], object]) -> tuple[object, float]:
    started = time.perf_counter()
    result = step()
    seconds = time.perf_counter() - started
    print(f"  {getattr(step, '__name__', 'step')}: {seconds:.1f} s", file=sys.stderr, flush=True)
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
        lambda: training_frame(duckdb_store, CHURN.feature_service, labels)
    )
    features, served, day = trained_champions(duckdb_store, labels)
    in_process, results["in_process_scores_s"] = _timed(lambda: score_table(Scorer(served), features, day))

    with standalone_cluster(workers) as cluster:
        results["master"] = cluster.master_url
        if nightly_build is not None:
            _, results["nightly_build_s"] = _timed(lambda: nightly_build(cluster.master_url, home))
        spark, results["driver_session_s"] = _timed(lambda: driver_session(cluster.master_url))
        try:
            spark_home_dir = Path(tempfile.mkdtemp(prefix="spark-feast-"))
            (spark_home_dir / "feast").mkdir()
            store = open_store(Settings(home=spark_home_dir, preset="ci"), engine="spark")
            _, results["feast_apply_s"] = _timed(lambda: apply_repo(store, repo_for("spark", marts)))
            got, results["spark_point_in_time_s"] = _timed(lambda: training_frame(store, CHURN.feature_service, labels))
            pd.testing.assert_frame_equal(got, expected, check_exact=True)
            results["point_in_time_rows"] = len(got)
            scored, results["spark_scores_s"] = _timed(lambda: spark_score_table(spark, served, features, day))
            numbers = [c for c in in_process if in_process[c].dtype.kind == "f"]
            worst = float(np.nanmax(np.abs(scored[numbers].to_numpy() - in_process[numbers].to_numpy())))
            results["scores_rows"] = len(scored)
            results["scores_max_difference"] = worst
            if worst > 1e-6:
                raise AssertionError(f"Spark scores differ from the in-process scores by {worst}")
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
        "nightly_build_s": "nightly warehouse build on the cluster",
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
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="a ci-preset state to use (default: build one)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    home = args.home
    built = None
    if home is None:
        built = home = Path(tempfile.mkdtemp(prefix="wealthpulse-spark-bench-"))
        _, seconds = _timed(lambda: ci_state(home))
        print(f"ci state built on DuckDB in {seconds:.0f} s", flush=True)
    try:
        results = run(home)
    finally:
        if built is not None:
            shutil.rmtree(built, ignore_errors=True)
    print(markdown(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
