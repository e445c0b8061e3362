"""Spark, when the engine setting chooses it: checks that it can run, a session built from the settings,
and the marts its dbt build exported, collected to the files every reader opens.

pyspark is optional (``uv sync --extra spark``): this module imports it only inside the functions
that need it, so the default install imports everything and runs on DuckDB.
"""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.parquet as pq

from wealthpulse.settings import VARIABLES, Settings, SettingsError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

JRE_PACKAGE = "default-jre-headless"
# How long a cluster's master may take to accept a connection before it counts as unreachable.
CONNECT_TIMEOUT_SECONDS = 5.0


class SparkUnavailable(SettingsError):
    """Spark was chosen but cannot run here; the message says which setting and what to install."""


def java_program(environ: dict[str, str] | None = None) -> str | None:
    """The java Spark will start: $JAVA_HOME/bin/java when JAVA_HOME is set, else the one on PATH."""
    environ = dict(os.environ) if environ is None else environ
    java_home = environ.get("JAVA_HOME", "").strip()
    if java_home:
        candidate = Path(java_home) / "bin" / "java"
        return str(candidate) if candidate.is_file() and os.access(candidate, os.X_OK) else None
    return shutil.which("java", path=environ.get("PATH"))


def check_spark(settings: Settings, environ: dict[str, str] | None = None) -> None:
    """Raise :class:`SparkUnavailable` when the spark engine cannot start: pyspark missing, no Java, or
    a cluster master that does not answer. Called before a build, so the error names the setting
    instead of a Java stack trace halfway through it."""
    engine = f"{VARIABLES['engine']}=spark"
    try:
        import pyspark  # noqa: F401
    except ImportError as error:
        raise SparkUnavailable(
            f"{engine} needs pyspark, which is not installed: run `uv sync --extra spark`"
        ) from error
    if java_program(environ) is None:
        raise SparkUnavailable(
            f"{engine} needs Java (17 or newer), which was not found on PATH or in JAVA_HOME: "
            f"`apt-get install {JRE_PACKAGE}`, or set {VARIABLES['engine']}=duckdb"
        )
    master = settings.spark_master
    if master.startswith("spark://"):
        host, _, port = master.removeprefix("spark://").rpartition(":")
        try:
            with socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT_SECONDS):
                pass
        except OSError as error:
            raise SparkUnavailable(
                f"{VARIABLES['spark_master']}={master!r}: the Spark master does not answer ({error}); "
                "start the cluster or point the setting at a running one"
            ) from error


def spark_session(settings: Settings, app_name: str = "wealthpulse") -> SparkSession:
    """A SparkSession on ``settings.spark_master`` with the platform's conventions: UTC, microsecond
    parquet timestamps, and an in-memory catalog (the dbt build owns the Derby metastore, which admits
    one process at a time; readers here go by path)."""
    check_spark(settings)
    os.environ.update({k: v for k, v in settings.tool_environment().items() if k.startswith(("SPARK_", "PYSPARK_"))})
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master(settings.spark_master)
        .appName(app_name)
        .config("spark.driver.memory", settings.spark_driver_memory)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
        .config("spark.sql.catalogImplementation", "in-memory")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
    )
    try:
        return builder.getOrCreate()
    except Exception as error:  # py4j and pyspark raise their own types, with the Java trace as text
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise SparkUnavailable(
            f"{VARIABLES['spark_master']}={settings.spark_master!r}: Spark did not start: {first_line}"
        ) from error


# --- the marts a Spark build exported -----------------------------------------------------------------


def exports_dir(settings: Settings) -> Path:
    """Where the Spark build writes each mart's parquet folder (macros/incremental.sql, spark__export_parquet)."""
    return settings.spark_dir / "exports"


def collect_exports(settings: Settings) -> list[Path]:
    """Each mart folder the Spark build exported, as the one file ``marts/<name>.parquet`` that the
    DuckDB build writes: the same file names and columns on either engine. Spark's timestamps (UTC
    instants) become the wall-clock timestamps DuckDB writes, in microseconds. Returns the files written."""
    written = []
    folders = sorted(p for p in exports_dir(settings).glob("*") if p.is_dir()) if exports_dir(settings).exists() else []
    for folder in folders:
        parts = sorted(folder.glob("part-*.parquet"))
        if not parts:
            raise FileNotFoundError(f"the Spark export {folder} holds no parquet part file")
        table = pa.concat_tables([pq.read_table(part) for part in parts])
        table = table.cast(pa.schema([_wall_clock(field) for field in table.schema]))
        target = settings.marts_dir / f"{folder.name}.parquet"
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".parquet.partial")
        pq.write_table(table, partial)
        partial.replace(target)  # readers never see half a file
        written.append(target)
    return written


def _wall_clock(field: pa.Field) -> pa.Field:
    if pa.types.is_timestamp(field.type) and field.type.tz is not None:
        return field.with_type(pa.timestamp("us"))
    return field
