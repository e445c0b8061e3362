"""The BentoML model store: the only handoff from training to serving, with champion / challenger.

Every registered model carries the label ``stage``: ``champion`` or ``challenger``, decided when it is
registered and never edited afterwards, and its metadata carries the ``decision`` with its figures.
The current champion of a name is the most recently registered entry labelled ``champion``, so a
promotion needs no edit of older entries and the store's history is the decision log
(``decision_log``). Versions stay content-addressed: registering the same bytes again adds nothing.

A candidate becomes champion when there is no champion yet, or when it beats the champion by the
configured margin on the same holdout (both scored on the candidate's test rows), and always only if
it passed the parity gate.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

import bentoml
import pandas as pd

ONNX_FILE = "model.onnx"
LIGHTGBM_FILE = "model.txt"
CHAMPION = "champion"
CHALLENGER = "challenger"


def model_version(model_bytes: bytes) -> str:
    """Content-addressed version: retraining on the same data registers nothing new."""
    return hashlib.sha256(model_bytes).hexdigest()[:16]


class FrameDigest:
    """A hash of a training frame's columns and values, fed the frame whole or in consecutive pieces:
    the rows are hashed one by one, so the pieces give the hash of their concatenation."""

    def __init__(self) -> None:
        self._digest = None

    def add(self, frame: pd.DataFrame) -> FrameDigest:
        if self._digest is None:
            self._digest = hashlib.sha256(",".join(map(str, frame.columns)).encode())
        self._digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
        return self

    def hexdigest(self) -> str:
        if self._digest is None:
            raise ValueError("no frame was added to the digest")
        return self._digest.hexdigest()[:16]


def frame_fingerprint(frame: pd.DataFrame) -> str:
    """A hash of a training frame's columns and values: the data a model was trained on."""
    return FrameDigest().add(frame).hexdigest()


def register(
    name: str,
    model_bytes: bytes,
    metadata: dict,
    labels: dict[str, str] | None = None,
    files: dict[str, bytes] | None = None,
) -> str:
    """Save an ONNX model (and extra files) with its metadata; returns the tag. Idempotent per content."""
    tag = f"{name}:{model_version(model_bytes)}"
    try:
        return str(bentoml.models.get(tag).tag)
    except bentoml.exceptions.NotFound:
        pass
    # Metadata must be plain JSON for the store, which also refuses None values: absent means None.
    plain = _without_none(json.loads(json.dumps(metadata, default=str)))
    with bentoml.models.create(tag, labels=labels or {}, metadata=plain) as model:
        with open(model.path_of(ONNX_FILE), "wb") as handle:
            handle.write(model_bytes)
        for file_name, data in (files or {}).items():
            with open(model.path_of(file_name), "wb") as handle:
                handle.write(data)
    return str(model.tag)


def _without_none(value: object) -> object:
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value


def load(name: str, version: str = "latest") -> tuple[bytes, dict, str]:
    """The ONNX bytes, metadata and tag of a stored model."""
    model = bentoml.models.get(f"{name}:{version}")
    with open(model.path_of(ONNX_FILE), "rb") as handle:
        return handle.read(), dict(model.info.metadata), str(model.tag)


def load_file(tag: str, file_name: str = LIGHTGBM_FILE) -> bytes:
    """An extra file stored with a model, e.g. the LightGBM text the reason codes are built from."""
    with open(bentoml.models.get(tag).path_of(file_name), "rb") as handle:
        return handle.read()


def _entries(name: str) -> list[bentoml.Model]:
    try:
        models = [model for model in bentoml.models.list(name) if model.tag.name == name]
    except bentoml.exceptions.NotFound:
        return []
    return sorted(models, key=lambda model: model.info.creation_time)


def champion_tag(name: str) -> str | None:
    """The tag of the current champion of ``name``, or None when there is none yet."""
    champions = [model for model in _entries(name) if model.info.labels.get("stage") == CHAMPION]
    return str(champions[-1].tag) if champions else None


def load_champion(name: str) -> tuple[bytes, dict, str]:
    """The ONNX bytes, metadata and tag of the champion: what serving loads."""
    tag = champion_tag(name)
    if tag is None:
        raise LookupError(f"no champion of {name!r} in the model store: train and register one first")
    version = tag.split(":", 1)[1]
    return load(name, version)


@dataclass(frozen=True)
class Champion:
    """A stored champion as the comparison needs it: its tag, ONNX bytes and metadata."""

    tag: str
    model_bytes: bytes
    metadata: dict


def current_champion(name: str) -> Champion | None:
    """The champion of ``name``, or None when there is none yet."""
    if champion_tag(name) is None:
        return None
    model_bytes, metadata, tag = load_champion(name)
    return Champion(tag=tag, model_bytes=model_bytes, metadata=metadata)


def decision_log(name: str) -> list[dict]:
    """Every registration of ``name`` in order, with its stage and the figures it was decided on."""
    return [
        {
            "tag": str(model.tag),
            "created": model.info.creation_time.isoformat(),
            "stage": model.info.labels.get("stage"),
            **dict(model.info.metadata).get("decision", {}),
        }
        for model in _entries(name)
    ]


@dataclass(frozen=True)
class Decision:
    stage: str
    reason: str
    metric: str
    candidate: float | None
    champion: float | None
    margin: float
    champion_tag: str | None
    parity_passed: bool

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, stored: dict) -> Decision:
        """From stored metadata, where None values were left out."""
        return cls(**{name: stored.get(name) for name in cls.__dataclass_fields__})


def decide(
    metric: str,
    candidate: float,
    champion: float | None,
    margin: float,
    parity_passed: bool,
    champion_tag: str | None = None,
) -> Decision:
    """Champion when parity passed and (no champion, or candidate >= champion + margin); else challenger.

    ``candidate`` and ``champion`` are the same metric (higher is better) on the same holdout rows.
    """

    def outcome(stage: str, reason: str) -> Decision:
        return Decision(stage, reason, metric, candidate, champion, margin, champion_tag, parity_passed)

    if not parity_passed:
        return outcome(CHALLENGER, "failed the ONNX parity gate")
    if champion is None:
        return outcome(CHAMPION, "no champion to beat" if champion_tag is None else "champion cannot score holdout")
    if candidate >= champion + margin:
        return outcome(CHAMPION, f"beats the champion's {metric} by {candidate - champion:+.4f} (margin {margin})")
    return outcome(CHALLENGER, f"{metric} {candidate - champion:+.4f} vs the champion, margin {margin} not met")


def register_candidate(
    name: str,
    model_bytes: bytes,
    metadata: dict,
    decision: Decision,
    labels: dict[str, str] | None = None,
    files: dict[str, bytes] | None = None,
) -> tuple[str, Decision]:
    """Register with the decision as label and metadata. Same bytes again: the stored entry and its
    original decision stand (content-addressed, nothing new is written)."""
    tag = f"{name}:{model_version(model_bytes)}"
    try:
        existing = bentoml.models.get(tag)
    except bentoml.exceptions.NotFound:
        existing = None
    if existing is not None:
        stored = dict(existing.info.metadata).get("decision")
        return str(existing.tag), Decision.from_dict(stored) if stored else decision
    registered = register(
        name,
        model_bytes,
        {**metadata, "decision": decision.as_dict()},
        labels={**(labels or {}), "stage": decision.stage},
        files=files,
    )
    return registered, decision
