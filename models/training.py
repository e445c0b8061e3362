"""Point-in-time training sets from Feast, a time split and deterministic LightGBM training."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import lightgbm as lgb
import numpy as np
import pandas as pd
from feast import FeatureStore

from features.store import with_request_time
from models.calibration import calibrate
from models.config import ModelConfig
from models.onnx_export import snap_thresholds_to_float32

ENTITY_KEY = "client_id"
TIMESTAMP = "event_timestamp"
AS_OF = "as_of_date"
# The time of the feature row each training row was joined with: what the point-in-time audit checks.
FEATURE_TIME = "as_of_epoch"
# What the point-in-time audit judges a training set on.
AUDIT_COLUMNS = (ENTITY_KEY, TIMESTAMP, FEATURE_TIME)
# Label rows per Feast point-in-time read. One read of 2,036,700 rows (intent at 50,000 clients x a
# year of weekly as-of dates) outgrew 24 GB in Feast's DuckDB join; whole as-of dates at a time, up
# to this many rows, keep the memory of a read bounded. Each row's join is its own, so the pieces
# give the rows one read would.
TRAINING_READ_ROWS = 250_000


def label_frame(labels: pd.DataFrame, config: ModelConfig) -> pd.DataFrame:
    """The entity frame of a label mart: client, as-of date, label time as the event time, labels.

    The label mart's ``label_ts`` is the moment the as-of date's features are taken at; ``as_of_date``
    is kept to join the oracle on the same rows.
    """
    wanted = [ENTITY_KEY, AS_OF, "label_ts", *config.label_columns]
    if config.baseline_column:
        wanted.append(config.baseline_column)
    missing = [column for column in wanted if column not in labels.columns]
    if missing:
        raise ValueError(f"label mart {config.label_mart!r} lacks columns {missing}")
    return (
        labels[wanted]
        .rename(columns={"label_ts": TIMESTAMP})
        .sort_values([TIMESTAMP, ENTITY_KEY], kind="stable")
        .reset_index(drop=True)
    )


def training_pieces(
    store: FeatureStore, service_name: str, labels: pd.DataFrame, read_rows: int = TRAINING_READ_ROWS
) -> Iterator[pd.DataFrame]:
    """Join features known at each (client, as-of date) onto the label rows, one piece at a time.

    ``labels`` carries ``client_id``, ``event_timestamp`` (the as-of date) and label columns;
    Feast returns, for each row, the latest feature row at or before that timestamp. Each piece holds
    whole as-of dates, about ``read_rows`` rows, sorted by (as-of time, client); the pieces come in
    date order, so one after another they are the sorted training set, and a reader that writes each
    as it comes holds one piece at a time, whatever the book's size.
    """
    missing = {ENTITY_KEY, TIMESTAMP} - set(labels.columns)
    if missing:
        raise ValueError(f"label frame lacks columns {sorted(missing)}")
    entity_df = labels.copy()
    entity_df[TIMESTAMP] = pd.to_datetime(entity_df[TIMESTAMP], utc=True)
    # Request-time features see the as-of time as the moment of the request.
    entity_df = with_request_time(entity_df, TIMESTAMP)
    service = store.get_feature_service(service_name)
    for part in _whole_dates(entity_df, read_rows):
        yield (
            store.get_historical_features(entity_df=part, features=service)
            .to_df()
            .sort_values([TIMESTAMP, ENTITY_KEY], kind="stable", ignore_index=True)
        )


def training_frame(
    store: FeatureStore, service_name: str, labels: pd.DataFrame, read_rows: int = TRAINING_READ_ROWS
) -> pd.DataFrame:
    """The pieces of ``training_pieces`` as one frame, for readers that need the rows at once."""
    return pd.concat(list(training_pieces(store, service_name, labels, read_rows)), ignore_index=True)


def _whole_dates(entity_df: pd.DataFrame, rows: int) -> list[pd.DataFrame]:
    """The frame in pieces of whole timestamps, a new piece once ``rows`` rows came before it."""
    if entity_df.empty:
        return [entity_df]
    counts = entity_df.groupby(TIMESTAMP, sort=True).size()
    piece_of = (counts.cumsum() - counts) // max(rows, 1)
    pieces = entity_df[TIMESTAMP].map(piece_of)
    return [part for _, part in entity_df.groupby(pieces.to_numpy(), sort=True)]


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


def split_dates(dates: np.ndarray | pd.Series, config: ModelConfig) -> tuple[object, object]:
    """The first validation and the first test as-of date: the latest dates go to test, the ones
    before them to validation. Decided on the label rows' dates, so a sample of the fitting dates'
    rows (models/budget.py) keeps the test dates whole."""
    dates = np.sort(pd.unique(np.asarray(dates)))
    if len(dates) < 3:
        raise ValueError(f"need at least 3 as-of dates for a time split, got {len(dates)}")
    n_test = max(1, round(len(dates) * config.test_share))
    n_val = max(1, round(len(dates) * config.validation_share))
    if n_test + n_val >= len(dates):
        n_test, n_val = 1, 1
    return dates[-(n_test + n_val)], dates[-n_test]


def time_split(frame: pd.DataFrame, config: ModelConfig) -> Split:
    """Split by as-of date, latest dates to test: no as-of date falls in two parts."""
    val_from, test_from = split_dates(frame[TIMESTAMP].unique(), config)
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


def target(frame: pd.DataFrame, label: str, config: ModelConfig) -> np.ndarray:
    """What LightGBM learns: 0/1 for binary, class index 0..K-1 (code - 1) for multiclass."""
    values = frame[label].to_numpy()
    if config.task == "multiclass":
        codes = values.astype(np.int64)
        if codes.min(initial=1) < 1 or codes.max(initial=1) > len(config.classes):
            raise ValueError(f"{label} holds codes outside 1..{len(config.classes)}")
        return codes - 1
    return values.astype(np.int64)


def train(split: Split, feature_names: list[str], config: ModelConfig, label: str | None = None) -> lgb.Booster:
    """LightGBM with early stopping on the validation dates, cut to the best iteration, float32 thresholds."""
    label = label or config.label
    train_set = lgb.Dataset(
        feature_matrix(split.train, feature_names),
        label=target(split.train, label, config),
        feature_name=feature_names,
        free_raw_data=False,
    )
    validation_set = lgb.Dataset(
        feature_matrix(split.validation, feature_names),
        label=target(split.validation, label, config),
        reference=train_set,
    )
    metric = "auc" if config.task == "binary" else "multi_logloss"
    booster = lgb.train(
        {**config.params, "metric": metric},
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


def fit_head(
    split: Split, feature_names: list[str], config: ModelConfig, label: str
) -> tuple[lgb.Booster, dict[str, object]]:
    """Train one head and calibrate it on the validation dates (see models/calibration.py)."""
    booster = train(split, feature_names, config, label)
    return calibrate(
        booster,
        feature_matrix(split.validation, feature_names),
        target(split.validation, label, config),
        config.task,
        policy=config.calibration,
        above_ece=config.calibrate_above_ece,
    )


def predict(booster: lgb.Booster, features: np.ndarray) -> np.ndarray:
    """P(positive) per row for binary models, class probabilities (rows x K) for multiclass."""
    return booster.predict(np.asarray(features, dtype=np.float32))


def point_in_time_audit(frame: pd.DataFrame, labels: pd.DataFrame) -> dict[str, object]:
    """Whether a training set is what the point-in-time read promises: one row per label row, no
    (client, as-of) twice, and every row's features taken at or before its as-of time (the feature
    row's ``as_of_epoch``). Fails closed: a frame without the columns it is judged on fails, naming them."""
    missing = [column for column in AUDIT_COLUMNS if column not in frame.columns]
    problems = [f"training set lacks column {column!r}" for column in missing]
    late = twice = 0
    if not missing:
        as_of = (pd.to_datetime(frame[TIMESTAMP], utc=True) - pd.Timestamp(0, tz="UTC")).dt.total_seconds()
        late = int((frame[FEATURE_TIME] > as_of).sum())
        twice = int(frame.duplicated([ENTITY_KEY, TIMESTAMP]).sum())
    if len(frame) != len(labels):
        problems.append(f"{len(frame)} rows for {len(labels)} label rows")
    if twice:
        problems.append(f"{twice} (client, as-of) rows twice")
    if late:
        problems.append(f"{late} rows with features taken after their as-of time")
    return {
        "passed": not problems,
        "problems": problems,
        "rows": len(frame),
        "label_rows": len(labels),
        "duplicated": twice,
        "features_after_as_of": late,
    }
