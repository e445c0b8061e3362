"""Point-in-time training sets from Feast, a time split and LightGBM training."""

from __future__ import annotations

from dataclasses import dataclass

import lightgbm as lgb
import numpy as np
import pandas as pd
from feast import FeatureStore

from models.config import ModelConfig
from models.onnx_export import snap_thresholds_to_float32

ENTITY_KEY = "client_id"
TIMESTAMP = "event_timestamp"


def training_frame(store: FeatureStore, service_name: str, labels: pd.DataFrame) -> pd.DataFrame:
    """Join features known at each (client, as-of date) onto the label rows.

    ``labels`` carries ``client_id``, ``event_timestamp`` (the as-of date) and label columns;
    Feast returns, for each row, the latest feature row at or before that timestamp.
    """
    missing = {ENTITY_KEY, TIMESTAMP} - set(labels.columns)
    if missing:
        raise ValueError(f"label frame lacks columns {sorted(missing)}")
    entity_df = labels.copy()
    entity_df[TIMESTAMP] = pd.to_datetime(entity_df[TIMESTAMP], utc=True)
    service = store.get_feature_service(service_name)
    frame = store.get_historical_features(entity_df=entity_df, features=service).to_df()
    return frame.sort_values([TIMESTAMP, ENTITY_KEY], kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class Split:
    train: pd.DataFrame
    validation: pd.DataFrame
    test: pd.DataFrame

    def describe(self) -> dict[str, object]:
        return {
            part: {
                "rows": len(frame),
                "from": str(frame[TIMESTAMP].min().date()) if len(frame) else None,
                "to": str(frame[TIMESTAMP].max().date()) if len(frame) else None,
            }
            for part, frame in (("train", self.train), ("validation", self.validation), ("test", self.test))
        }


def time_split(frame: pd.DataFrame, config: ModelConfig) -> Split:
    """Split by as-of date, latest dates to test: no as-of date falls in two parts."""
    dates = np.sort(frame[TIMESTAMP].unique())
    if len(dates) < 3:
        raise ValueError(f"need at least 3 as-of dates for a time split, got {len(dates)}")
    n_test = max(1, round(len(dates) * config.test_share))
    n_val = max(1, round(len(dates) * config.validation_share))
    if n_test + n_val >= len(dates):
        n_test, n_val = 1, 1
    test_from = dates[-n_test]
    val_from = dates[-(n_test + n_val)]
    when = frame[TIMESTAMP]
    return Split(
        train=frame[when < val_from],
        validation=frame[(when >= val_from) & (when < test_from)],
        test=frame[when >= test_from],
    )


def feature_matrix(frame: pd.DataFrame, feature_names: list[str]) -> np.ndarray:
    missing = [name for name in feature_names if name not in frame.columns]
    if missing:
        raise ValueError(f"frame lacks features {missing}")
    return frame[feature_names].to_numpy(dtype=np.float32)


def train(split: Split, feature_names: list[str], config: ModelConfig) -> lgb.Booster:
    """LightGBM with early stopping on the validation dates."""
    train_set = lgb.Dataset(
        feature_matrix(split.train, feature_names),
        label=split.train[config.label].to_numpy(),
        feature_name=feature_names,
        free_raw_data=False,
    )
    validation_set = lgb.Dataset(
        feature_matrix(split.validation, feature_names),
        label=split.validation[config.label].to_numpy(),
        reference=train_set,
    )
    booster = lgb.train(
        {**config.params, "metric": "auc"},
        train_set,
        num_boost_round=config.num_boost_round,
        valid_sets=[validation_set],
        callbacks=[lgb.early_stopping(config.early_stopping_rounds, verbose=False)],
    )
    # Keep only the trees up to the best iteration, so every consumer (ONNX export,
    # reason codes) sees the same model without having to pass the iteration along; with
    # float32 thresholds, ONNX Runtime scores it exactly as LightGBM does.
    best = lgb.Booster(model_str=booster.model_to_string(num_iteration=booster.best_iteration))
    return snap_thresholds_to_float32(best)
