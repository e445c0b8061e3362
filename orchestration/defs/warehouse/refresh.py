"""When the warehouse may build incrementally, and when it must rebuild from scratch.

The heavy models are incremental by day (dbt_project/macros/incremental.sql): a nightly run adds the
new landing day(s) only. That is right only while the days already built are unchanged, so the
warehouse rebuilds fully (``dbt build --full-refresh``) when
- it has never been built in this state directory (or the record of the last build is gone),
- the dbt project changed since the last build (a model built by older SQL would stay stale), or
- a landing partition the last build already covered was rewritten since (a restated history,
  e.g. the whole brokerage simulated again).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path

from landing.partitions import PARTITION_PREFIX

PROJECT_FILES = ("dbt_project.yml", "models", "macros")


def project_fingerprint(project_dir: Path) -> str:
    """A hash of every file that shapes the models (SQL, YAML, macros, vars)."""
    digest = hashlib.sha256()
    for entry in PROJECT_FILES:
        root = project_dir / entry
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            digest.update(str(path.relative_to(project_dir)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _partitions(landing_dir: Path) -> list[tuple[dt.date, Path]]:
    return [
        (dt.date.fromisoformat(partition.name.removeprefix(PARTITION_PREFIX)), partition)
        for table in landing_dir.iterdir()
        if table.is_dir()
        for partition in table.iterdir()
        if partition.is_dir() and partition.name.startswith(PARTITION_PREFIX)
    ]


@dataclass(frozen=True)
class BuildRecord:
    """What the last successful build covered."""

    newest_partition: str
    built_at: float
    project: str

    @classmethod
    def read(cls, path: Path) -> BuildRecord | None:
        if not path.exists():
            return None
        try:
            return cls(**json.loads(path.read_text()))
        except (ValueError, TypeError):
            return None  # unreadable: treated as never built


def full_refresh_reason(landing_dir: Path, record_path: Path, project_dir: Path) -> str | None:
    """Why the next build must be a full refresh, or None when an incremental build is exact."""
    record = BuildRecord.read(record_path)
    if record is None:
        return "no record of an earlier build"
    if record.project != project_fingerprint(project_dir):
        return "the dbt project changed since the last build"
    covered = dt.date.fromisoformat(record.newest_partition)
    for day, partition in _partitions(landing_dir):
        if day <= covered and any(f.stat().st_mtime > record.built_at for f in partition.iterdir()):
            return f"landing partition {partition.parent.name}/{partition.name} was rewritten after the last build"
    return None


def record_build(landing_dir: Path, record_path: Path, project_dir: Path, started_at: float) -> BuildRecord:
    """Remember what a successful build covered (``started_at``: files landed later are new)."""
    newest = max((day for day, _ in _partitions(landing_dir)), default=dt.date.min)
    record = BuildRecord(newest.isoformat(), started_at, project_fingerprint(project_dir))
    tmp = record_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record.__dict__))
    tmp.replace(record_path)
    return record


def now() -> float:
    return time.time()
