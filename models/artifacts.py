"""The files a model leaves between its pipeline steps, in one folder per model config.

    <folder>/training_set.parquet          the point-in-time training set
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
from dataclasses import dataclass
from pathlib import Path

import lightgbm as lgb
import pandas as pd

from models.onnx_export import check_parity
from models.registry import LIGHTGBM_FILE, ONNX_FILE
from models.training import feature_matrix

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

    def write_training_set(self, frame: pd.DataFrame) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        return _replace(self.training_set_path, lambda tmp: frame.to_parquet(tmp, index=False))

    def read_training_set(self) -> pd.DataFrame:
        if not self.training_set_path.exists():
            raise FileNotFoundError(f"no training set at {self.training_set_path}: materialize the training set first")
        return pd.read_parquet(self.training_set_path)

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
