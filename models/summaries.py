"""What the pipeline shows of a model's training set, grade and registration: plain figures and
markdown tables, built from the training frame and the head summaries (no orchestration types)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.config import ModelConfig
from models.registry import FrameDigest
from models.training import TIMESTAMP


class TrainingSetSummary:
    """Rows, as-of dates, the data fingerprint and the label balance of a training set, fed its pieces in
    order as they are written (``add`` hands each piece on), so the set is never held whole."""

    def __init__(self, config: ModelConfig) -> None:
        self.config = config
        self.rows = 0
        self.dates: set[object] = set()
        self.digest = FrameDigest()
        self.sums = {head: 0.0 for head in config.heads}
        self.counts = {head: 0 for head in config.heads}
        self.classes: dict[object, int] = {}

    def add(self, piece: pd.DataFrame) -> pd.DataFrame:
        self.rows += len(piece)
        self.dates.update(piece[TIMESTAMP].unique())
        self.digest.add(piece)
        if self.config.task == "binary":
            for head, label in self.config.heads.items():
                self.sums[head] += float(piece[label].sum())
                self.counts[head] += int(piece[label].count())
        else:
            for value, count in piece[self.config.label].value_counts().items():
                self.classes[value] = self.classes.get(value, 0) + int(count)
        return piece

    def result(self) -> dict[str, object]:
        summary: dict[str, object] = {
            "rows": self.rows,
            "as_of_dates": len(self.dates),
            "fingerprint": self.digest.hexdigest(),
        }
        if self.config.task == "binary":
            rates = {
                head: self.sums[head] / self.counts[head] if self.counts[head] else float("nan") for head in self.sums
            }
            if len(rates) == 1:
                summary["positive_rate"] = float(np.mean(list(rates.values())))
            summary["positive_rates"] = rates
        else:
            total = sum(self.classes.values())
            summary["class_shares"] = {str(k): self.classes[k] / total for k in sorted(self.classes)}
        return summary


def training_set_summary(frame: pd.DataFrame, config: ModelConfig) -> dict[str, object]:
    """Rows, as-of dates, the data fingerprint and the label balance of a training set held whole."""
    summary = TrainingSetSummary(config)
    summary.add(frame)
    return summary.result()


def missed_goals(goals: dict[str, list[dict]]) -> list[str]:
    """``<head>.<goal>`` for every goal a head missed."""
    return [f"{head}.{g['goal']}" for head, rows in goals.items() for g in rows if not g["met"]]


def goals_table(goals: dict[str, list[dict]]) -> str:
    """Markdown: per head and goal, its value, target and whether it was met."""
    return "\n".join(
        ["| head | goal | value | target | met |", "|---|---|---|---|---|"]
        + [
            f"| {head} | {g['goal']} | {g['value']:.4f} | {g['target']} | {'yes' if g['met'] else 'NO'} |"
            for head, rows in goals.items()
            for g in rows
        ]
    )


def decisions_table(decisions: dict[str, dict], tags: dict[str, str]) -> str:
    """Markdown: per head, the registered tag, its stage and the figures it was decided on."""
    return "\n".join(
        ["| head | tag | stage | candidate | champion | reason |", "|---|---|---|---|---|---|"]
        + [
            f"| {head} | {tags[head]} | {d['stage']} | {d['candidate']} | {d['champion']} | {d['reason']} |"
            for head, d in decisions.items()
        ]
    )


def top_features(importance: pd.Series, top: int = 10) -> str:
    """Markdown: the features with the highest gain."""
    return importance.sort_values(ascending=False).head(top).to_frame().to_markdown()
