"""What the pipeline shows of a model's training set, grade and registration: plain figures and
markdown tables, built from the training frame and the head summaries (no orchestration types)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.config import ModelConfig
from models.registry import frame_fingerprint
from models.training import TIMESTAMP


def training_set_summary(frame: pd.DataFrame, config: ModelConfig) -> dict[str, object]:
    """Rows, as-of dates, the data fingerprint and the label balance of a training set."""
    summary: dict[str, object] = {
        "rows": len(frame),
        "as_of_dates": int(frame[TIMESTAMP].nunique()),
        "fingerprint": frame_fingerprint(frame),
    }
    if config.task == "binary":
        rates = {head: float(frame[label].mean()) for head, label in config.heads.items()}
        if len(rates) == 1:
            summary["positive_rate"] = float(np.mean(list(rates.values())))
        summary["positive_rates"] = rates
    else:
        shares = frame[config.label].value_counts(normalize=True).sort_index()
        summary["class_shares"] = {str(k): float(v) for k, v in shares.items()}
    return summary


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
