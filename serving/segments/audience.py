"""The audience table segments are drawn from, and segment membership over it.

The audience is the warehouse's per-client row (tier, group, risk level, tags) plus the batch
scores; it is written per day under ``<home>/segments/audience/dt=<day>/audience.parquet``, and
each segment's members under ``<home>/segments/membership/dt=<day>/<segment>.parquet``.
Membership runs the compiled SQL in DuckDB, the same SQL a warehouse on Spark or Trino would run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from serving.segments.catalog import Segment
from serving.segments.parser import Node
from serving.segments.sql import to_sql
from serving.segments.vocabulary import AUDIENCE_COLUMNS, NEEDS, SCORES, Vocabulary, tags_of_columns, vocabulary

AUDIENCE_FILE = "audience.parquet"
COUNTS_FILE = "_counts.parquet"


def latest_audience(root: Path) -> Path | None:
    """The newest audience file under `root` (one dt=YYYY-MM-DD folder per day), or None before the first."""
    files = sorted(Path(root).glob(f"dt=*/{AUDIENCE_FILE}"))
    return files[-1] if files else None


def build_audience(clients: pd.DataFrame, churn: pd.DataFrame, intent: pd.DataFrame) -> pd.DataFrame:
    """The warehouse's audience rows with churn_60d and intent_<need> for every client.

    clients: the client_audience mart. churn: client_id, churn_60d. intent: client_id, need, probability.
    A client without a score would silently fall out of every segment, so it is an error.
    """
    wide = intent.pivot_table(index="client_id", columns="need", values="probability", aggfunc="first")
    missing_needs = sorted(set(NEEDS) - set(wide.columns))
    if missing_needs:
        raise ValueError(f"intent scores lack the need(s) {missing_needs}: every intent champion is required")
    wide = wide[list(NEEDS)].rename(columns=lambda need: f"intent_{need}").reset_index()
    frame = clients.merge(churn, on="client_id", how="left", validate="one_to_one").merge(
        wide, on="client_id", how="left", validate="one_to_one"
    )
    unscored = frame.loc[frame[list(SCORES)].isna().any(axis=1), "client_id"]
    if len(unscored):
        raise ValueError(f"{len(unscored)} client(s) have no batch score, e.g. {list(unscored[:3])}")
    tags = [c for c in frame.columns if c.startswith("tag_")]
    return frame[[*AUDIENCE_COLUMNS, *tags]]


def audience_vocabulary(path: Path) -> Vocabulary:
    """The vocabulary an audience file can answer: the fixed fields and the tags it has columns for."""
    import pyarrow.parquet as pq

    return vocabulary(tags_of_columns(pq.read_schema(path).names))


def _relation(path: Path) -> str:
    return "read_parquet('" + str(path).replace("'", "''") + "')"


def count_members(path: Path, tree: Node, vocabulary: Vocabulary, sample: int = 0) -> tuple[int, int, list[str]]:
    """(members, audience size, up to `sample` member ids, lowest first) of one expression over the file."""
    condition = to_sql(tree, vocabulary)
    with duckdb.connect() as con:
        total, members = con.execute(
            f"select count(*), count(*) filter (where {condition}) from {_relation(path)}"
        ).fetchone()
        ids = []
        if sample:
            ids = [
                row[0]
                for row in con.execute(
                    f"select client_id from {_relation(path)} where {condition} order by client_id limit {int(sample)}"
                ).fetchall()
            ]
    return int(members), int(total), ids


@dataclass(frozen=True)
class Membership:
    segment: str
    members: int
    audience: int
    path: Path

    @property
    def share(self) -> float:
        return self.members / self.audience if self.audience else 0.0


def write_membership(audience: Path, segments: list[Segment], out: Path) -> list[Membership]:
    """One parquet of member ids per segment (written to a temporary name, then renamed), and a counts file."""
    out.mkdir(parents=True, exist_ok=True)
    results = []
    with duckdb.connect() as con:
        total = con.execute(f"select count(*) from {_relation(audience)}").fetchone()[0]
        for segment in segments:
            target = out / f"{segment.name}.parquet"
            temporary = out / f"{segment.name}.tmp"
            con.execute(
                f"copy (select client_id from {_relation(audience)} where {segment.sql} order by client_id) "
                f"to '{str(temporary).replace(chr(39), chr(39) * 2)}' (format parquet)"
            )
            temporary.replace(target)
            members = con.execute(f"select count(*) from {_relation(target)}").fetchone()[0]
            results.append(Membership(segment.name, int(members), int(total), target))
    counts = pd.DataFrame(
        [{"segment": m.segment, "members": m.members, "audience": m.audience, "share": m.share} for m in results]
    )
    counts.to_parquet(out / "_counts.tmp", index=False)
    (out / "_counts.tmp").replace(out / COUNTS_FILE)
    return results


def trend(current: dict[str, int], previous: dict[str, int] | None) -> dict[str, int | None]:
    """Change in members since the previous materialization, per segment (None for a new segment)."""
    previous = previous or {}
    return {name: (count - previous[name]) if name in previous else None for name, count in current.items()}
