"""Champion or challenger: a candidate and the current champion scored on the candidate's own holdout.

Both are ONNX models scored by ONNX Runtime on the same test rows (the candidate's latest as-of dates),
so the comparison is of the two models alone. A champion whose features are no longer all in the training
set cannot score that holdout: it counts as no champion, and a candidate that passed parity replaces it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.config import ModelConfig
from models.evaluation import holdout_metric
from models.fit import head_truth
from models.onnx_export import onnx_scores, onnx_session
from models.registry import Champion, Decision, decide
from models.training import feature_matrix


@dataclass(frozen=True)
class Candidate:
    """A head's new ONNX model, the features it reads, and whether it passed the parity gate."""

    model_bytes: bytes
    feature_names: list[str]
    parity_passed: bool


def compare_on_holdout(
    config: ModelConfig,
    candidates: dict[str, Candidate],
    champions: dict[str, Champion | None],
    test_pieces: Iterable[pd.DataFrame],
) -> dict[str, Decision]:
    """Each head's candidate and current champion scored on the candidate's test rows, in one pass over
    them a piece at a time, and the stage each candidate gets. A champion that reads a feature the rows
    lack cannot score them and counts as none."""
    scorers: dict[tuple[str, str], tuple[object, list[str]]] = {}
    for head, candidate in candidates.items():
        scorers[(head, "candidate")] = (onnx_session(candidate.model_bytes), candidate.feature_names)
        champion = champions.get(head)
        features = champion.metadata.get("feature_names", []) if champion else []
        if features:
            scorers[(head, "champion")] = (onnx_session(champion.model_bytes), list(features))
    truth: dict[str, list[np.ndarray]] = {head: [] for head in candidates}
    scores: dict[tuple[str, str], list[np.ndarray]] = {key: [] for key in scorers}
    for piece in test_pieces:
        for head in candidates:
            truth[head].append(head_truth(piece, config, config.heads[head]))
        for key, (session, features) in list(scorers.items()):
            if not set(features) <= set(piece.columns):
                del scorers[key], scores[key]  # a champion of features the training set no longer has
                continue
            scores[key].append(onnx_scores(session, feature_matrix(piece, features)))
    if candidates and not truth[next(iter(candidates))]:
        raise ValueError("no test rows to compare the candidate and the champion on")
    decisions = {}
    for head, candidate in candidates.items():
        y = np.concatenate(truth[head])
        current = None
        if (head, "champion") in scores:
            current = holdout_metric(config, y, np.concatenate(scores[(head, "champion")]))
        champion = champions.get(head)
        decisions[head] = decide(
            config.primary_metric,
            holdout_metric(config, y, np.concatenate(scores[(head, "candidate")])),
            current,
            config.champion_margin,
            candidate.parity_passed,
            champion.tag if champion else None,
        )
    return decisions


def compare_with_champion(
    config: ModelConfig,
    head: str,
    candidate_bytes: bytes,
    feature_names: list[str],
    test: pd.DataFrame,
    champion: Champion | None,
    parity_passed: bool,
) -> Decision:
    """One head's candidate and champion on test rows held whole (``compare_on_holdout`` for one head)."""
    candidate = Candidate(candidate_bytes, list(feature_names), parity_passed)
    return compare_on_holdout(config, {head: candidate}, {head: champion}, [test])[head]


def registration_metadata(config: ModelConfig, head: str, summary: dict, decision: Decision, code_version: str) -> dict:
    """What the model store keeps beside a head's ONNX bytes: where it came from and how it was graded."""
    return {
        "model": config.name,
        "head": head,
        "label": config.heads[head],
        "task": config.task,
        "classes": list(config.classes),
        "feature_service": config.feature_service,
        "feature_names": summary["feature_names"],
        "metrics": summary["metrics"],
        "oracle_gap": summary["oracle"],
        "goals": summary["goals"],
        "calibration": summary["calibration"],
        "onnx_test_" + config.primary_metric: decision.candidate,
        "training_window": summary["split"],
        "data_fingerprint": summary["fingerprint"],
        "code_version": code_version,
    }


def registration_labels(config: ModelConfig) -> dict[str, str]:
    return {"model": config.name, "feature_service": config.feature_service}
