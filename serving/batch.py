"""Batch scoring: the champion models over a frame of point-in-time feature rows.

``score_table`` is the nightly scores table (every champion, with reason codes): the same
``Scorer`` the service runs for ``/score``, so a client's batch score and its online score come
from one code path. ``intent_scores`` scores arbitrary (client, date) rows with the intent heads
only, for the conversion report.
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import numpy as np
import pandas as pd

from models.training import ENTITY_KEY, TIMESTAMP, training_frame
from serving.scoring import Scorer
from serving.served_models import INTENT_HEADS, ServedModel
from wealthpulse.domain import NEEDS, TIERS

REASON_MODELS = ("churn", "intent", "tiering")
# Every client at once is scored in pieces on every core. ONNX Runtime and the reason-code kernels
# release the GIL, and one-thread sessions on pieces of rows scale better than sessions that split
# one call over threads (measured: 239 against 398 ms for 8 models x 10,000 clients on 2 cores).
BATCH_THREADS = os.cpu_count() or 1
CHUNK_ROWS = 500  # small pieces even out the work of the threads


def point_in_time_features(store, services: list[str], clients: pd.DataFrame, day: date) -> pd.DataFrame:
    """Every feature service's features of `clients` as known on `day`, one row per client: the rows
    ``score_table`` scores."""
    entity = clients[[ENTITY_KEY]].assign(**{TIMESTAMP: pd.Timestamp(day, tz="UTC")})
    frame = None
    for service in services:
        part = training_frame(store, service, entity)
        if frame is None:
            frame = part
        else:
            new = [c for c in part.columns if c not in frame.columns]
            frame = frame.merge(part[[ENTITY_KEY, *new]], on=ENTITY_KEY, how="left", validate="one_to_one")
    return frame


def score_columns() -> list[str]:
    """The scores table's columns, in order: stable names readers can rely on."""
    return [
        "client_id",
        "as_of_date",
        "churn_60d",
        *(f"intent_{need}" for need in NEEDS),
        "top_need",
        "tier_now",
        "tier_90d",
        *(f"tier_p_{tier}" for tier in TIERS),
        *(f"reasons_{model}" for model in REASON_MODELS),
    ]


def score_table(
    scorer: Scorer, features: pd.DataFrame, as_of: date, threads: int = BATCH_THREADS, chunk_rows: int = CHUNK_ROWS
) -> pd.DataFrame:
    """One row per client of `features` (client_id plus every input the scorer reads): churn, intent
    per need, tier now and in 90 days with the tier probabilities, and each model's top reasons as JSON.
    Pieces of `chunk_rows` clients are scored on `threads` threads; neither changes a value (by test).

    A feature the frame lacks would score every client on a NaN: it is an error, not a default.
    """
    missing = [name for name in scorer.inputs if name not in features.columns]
    if missing:
        raise ValueError(f"the feature rows lack {len(missing)} model input(s), e.g. {missing[:5]}")
    if features["client_id"].duplicated().any():
        raise ValueError("one feature row per client is expected")
    matrix = features[scorer.inputs].to_numpy(dtype=np.float32)
    stamp = pd.Timestamp(as_of, tz="UTC").timestamp()
    ids = features["client_id"].tolist()

    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        entries = scorer.score_in_pieces(pool, matrix, [stamp] * len(ids), ids, chunk_rows)
    rows = []
    for entry in entries:
        intent = entry["intent"] or {}
        tiers = entry["tier_probabilities"] or {}
        rows.append(
            {
                "client_id": entry["client_id"],
                "as_of_date": as_of,
                "churn_60d": entry["churn_probability"],
                **{f"intent_{need}": intent.get(need) for need in NEEDS},
                "top_need": max(intent, key=intent.get) if intent else None,
                "tier_now": entry["tier_now"],
                "tier_90d": entry["tier_90d"],
                **{f"tier_p_{tier}": tiers.get(tier) for tier in TIERS},
                **{f"reasons_{m}": json.dumps(entry["reasons"].get(m, []), ensure_ascii=False) for m in REASON_MODELS},
            }
        )
    return pd.DataFrame(rows, columns=score_columns())


def churn_of(scores: pd.DataFrame) -> pd.DataFrame:
    """client_id, churn_60d from a scores table."""
    return scores[["client_id", "churn_60d"]]


def intent_of(scores: pd.DataFrame) -> pd.DataFrame:
    """Long frame (client_id, need, probability) from a scores table; needs without a champion are left out."""
    columns = [f"intent_{need}" for need in NEEDS if scores[f"intent_{need}"].notna().any()]
    long = scores.melt(id_vars="client_id", value_vars=columns, var_name="need", value_name="probability")
    long["need"] = long["need"].str.removeprefix("intent_")
    return long


def intent_scores(features: pd.DataFrame, heads: dict[str, ServedModel]) -> pd.DataFrame:
    """Long frame (client_id, need, probability) of every intent head over the feature rows."""
    parts = []
    for name, model in heads.items():
        matrix = features[model.feature_names].to_numpy(dtype="float32")
        parts.append(
            pd.DataFrame(
                {
                    "client_id": features["client_id"].to_numpy(),
                    "need": INTENT_HEADS[name],
                    "probability": model.probabilities(matrix)[:, 1],
                }
            )
        )
    if not parts:
        raise LookupError("no intent champion in the model store: the lead list needs the intent models")
    return pd.concat(parts, ignore_index=True)
