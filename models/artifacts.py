"""The files a model leaves between its pipeline steps, in one folder per model config.

    <folder>/training_set.parquet          the point-in-time training set, in as-of order, row groups of
                                           at most ROW_GROUP_ROWS rows (the piece a test-row reader holds)
    <folder>/sample.json                   its sample of the label rows: budget, rows and clients of how many
    <folder>/<head>/summary.json           test metrics, oracle gap, goals, calibration, split, features
    <folder>/<head>/model.txt              the LightGBM booster (the text the reason codes are built from)
    <folder>/<head>/model.onnx             its ONNX export
    <folder>/<head>/parity.json            the parity gate's last result, with what it was computed from
    <folder>/card/                         the model card and its plots

Writes go to a temporary name first and are renamed, so a reader never sees half a file.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from models.onnx_export import check_parity
from models.registry import LIGHTGBM_FILE, ONNX_FILE
from models.training import TIMESTAMP, feature_matrix

TRAINING_SET_FILE = "training_set.parquet"
SUMMARY_FILE = "summary.json"
SAMPLE_FILE = "sample.json"
PARITY_FILE = "parity.json"
CARD_FOLDER = "card"
# The export is checked on a fixed sample of the test rows, not all of them: a disagreement between ONNX
# and LightGBM comes from the trees (a threshold rounded to float32), not from rare rows, so 50,000 rows
# find it as surely as a million. It keeps registration's cost flat as the book and its test rows grow
# (the 50,000-client tiering test set of 334,219 rows took 60 s to check whole on 2 cores).
PARITY_ROWS = 50_000
# Rows per row group of a training set: the piece a test-row reader holds at once.
ROW_GROUP_ROWS = 250_000


def _write_pieces(path: Path, pieces: pd.DataFrame | Iterable[pd.DataFrame]) -> None:
    """Each piece cast to the first one's columns and types: a piece that differs is an error that names
    the column, not a file of mixed types."""
    writer = None
    try:
        for piece in [pieces] if isinstance(pieces, pd.DataFrame) else pieces:
            if writer is None:
                table = pa.Table.from_pandas(piece, preserve_index=False)
                writer = pq.ParquetWriter(path, table.schema)
            else:
                try:
                    table = pa.Table.from_pandas(piece, schema=writer.schema, preserve_index=False)
                except (pa.ArrowInvalid, pa.ArrowTypeError, KeyError, ValueError) as error:
                    raise ValueError(f"a training set piece differs from the first in its columns: {error}") from error
            writer.write_table(table, row_group_size=ROW_GROUP_ROWS)
        if writer is None:
            raise ValueError("no piece to write: a training set needs rows")
    finally:
        if writer is not None:
            writer.close()


def _may_hold(row_group: pq.RowGroupMetaData, keep) -> bool:
    """Whether a row group may hold a row ``keep`` accepts, from its as-of time's min and max (a row group
    without them is read)."""
    for index in range(row_group.num_columns):
        column = row_group.column(index)
        if column.path_in_schema == TIMESTAMP:
            stats = column.statistics
            if stats is None or not stats.has_min_max:
                return True
            bounds = pd.Series(pd.to_datetime([stats.min, stats.max], utc=True))
            return bool(keep(bounds).any())
    return True


def _replace(path: Path, write) -> Path:
    tmp = path.with_suffix(path.suffix + ".tmp")
    write(tmp)
    tmp.replace(path)
    return path


@dataclass(frozen=True)
class ModelArtifacts:
    """The artifact folder of one model (``<artifacts dir>/<model name>``)."""

    folder: Path

    @classmethod
    def of(cls, artifacts_dir: Path, name: str) -> ModelArtifacts:
        return cls(Path(artifacts_dir) / name)

    def head_folder(self, head: str) -> Path:
        path = self.folder / head
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def training_set_path(self) -> Path:
        return self.folder / TRAINING_SET_FILE

    @property
    def card_folder(self) -> Path:
        return self.folder / CARD_FOLDER

    def write_training_set(self, pieces: pd.DataFrame | Iterable[pd.DataFrame]) -> Path:
        """Write the training set as it comes, piece by piece (see ``training_pieces``), a row group of
        at most ``ROW_GROUP_ROWS`` rows each: what is held is one piece, not the set."""
        self.folder.mkdir(parents=True, exist_ok=True)
        return _replace(self.training_set_path, lambda tmp: _write_pieces(tmp, pieces))

    def _training_set_file(self) -> pq.ParquetFile:
        if not self.training_set_path.exists():
            raise FileNotFoundError(f"no training set at {self.training_set_path}: materialize the training set first")
        return pq.ParquetFile(self.training_set_path)

    def read_training_set(self, columns: list[str] | None = None) -> pd.DataFrame:
        """The whole training set (or some of its columns): for readers that need every row at once."""
        return self._training_set_file().read(columns=columns).to_pandas()

    def read_fitting(self, test_from: object) -> pd.DataFrame:
        """The rows before the first test date: what the heads are trained and calibrated on. The
        budget bounds them, so they are read at once."""
        return pd.concat(list(self._row_groups(lambda when: when < test_from)), ignore_index=True)

    def test_pieces(self, test_from: object) -> Iterator[pd.DataFrame]:
        """The rows from the first test date on, a row group at a time, in the file's order: every test
        row is graded, and what is held is one piece, however many test rows the book gives."""
        return self._row_groups(lambda when: when >= test_from)

    def test_sample(self, test_from: object, rows: int) -> pd.DataFrame:
        """A fixed sample of the test rows: every k-th of them, so at most ``rows`` (all when fewer)."""
        when = self.read_training_set([TIMESTAMP])[TIMESTAMP]
        step = max(1, -(-int((when >= test_from).sum()) // max(rows, 1)))
        kept, seen = [], 0
        for piece in self.test_pieces(test_from):
            at = np.arange(seen, seen + len(piece))
            kept.append(piece[at % step == 0])
            seen += len(piece)
        return pd.concat(kept, ignore_index=True) if kept else self.read_training_set().iloc[:0]

    def training_set_columns(self) -> list[str]:
        return list(self._training_set_file().schema_arrow.names)

    def _row_groups(self, keep) -> Iterator[pd.DataFrame]:
        file = self._training_set_file()
        for index in range(file.num_row_groups):
            if not _may_hold(file.metadata.row_group(index), keep):
                continue
            piece = file.read_row_group(index).to_pandas()
            piece = piece[keep(piece[TIMESTAMP]).to_numpy()]
            if len(piece):
                yield piece.reset_index(drop=True)

    def write_sample(self, sample: dict) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / SAMPLE_FILE
        return _replace(path, lambda tmp: tmp.write_text(json.dumps(sample, indent=2)))

    def sample(self) -> dict | None:
        """How the training set was sampled (models/budget.py); None for a training set written without."""
        path = self.folder / SAMPLE_FILE
        return json.loads(path.read_text()) if path.exists() else None

    def write_summary(self, head: str, summary: dict) -> Path:
        path = self.head_folder(head) / SUMMARY_FILE
        return _replace(path, lambda tmp: tmp.write_text(json.dumps(summary, indent=2, default=str)))

    def summary(self, head: str) -> dict:
        return json.loads((self.head_folder(head) / SUMMARY_FILE).read_text())

    def write_booster(self, head: str, booster: lgb.Booster) -> Path:
        return _replace(self.head_folder(head) / LIGHTGBM_FILE, lambda tmp: booster.save_model(str(tmp)))

    def booster_path(self, head: str) -> Path:
        return self.head_folder(head) / LIGHTGBM_FILE

    def booster(self, head: str) -> lgb.Booster:
        return lgb.Booster(model_file=str(self.booster_path(head)))

    def write_onnx(self, head: str, model_bytes: bytes) -> Path:
        return _replace(self.head_folder(head) / ONNX_FILE, lambda tmp: tmp.write_bytes(model_bytes))

    def onnx_bytes(self, head: str) -> bytes:
        return (self.head_folder(head) / ONNX_FILE).read_bytes()

    def parity(self, head: str, test: pd.DataFrame, rows: int = PARITY_ROWS) -> dict[str, float]:
        """ONNX against LightGBM on the test rows (a fixed sample of `rows` of them when there are more),
        for the head's stored booster and export.

        The result is kept with a digest of the booster, the export and the rows it scored: asked again
        for the same three (registration, after the blocking parity check), it is read, not recomputed;
        a new booster, export or test set is checked afresh."""
        feature_names = self.summary(head)["feature_names"]
        sample = test if len(test) <= rows else test.sample(n=rows, random_state=0)
        features = feature_matrix(sample, feature_names)
        booster_text, model_bytes = self.booster_path(head).read_bytes(), self.onnx_bytes(head)
        digest = hashlib.sha256()
        for part in (booster_text, model_bytes, features.tobytes(), str(features.shape).encode()):
            digest.update(hashlib.sha256(part).digest())
        path = self.head_folder(head) / PARITY_FILE
        if path.exists():
            kept = json.loads(path.read_text())
            if kept.get("checked") == digest.hexdigest():
                return kept["result"]
        booster = lgb.Booster(model_str=booster_text.decode())
        result = check_parity(booster, model_bytes, features)
        _replace(path, lambda tmp: tmp.write_text(json.dumps({"checked": digest.hexdigest(), "result": result})))
        return result
