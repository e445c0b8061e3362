"""Batch scores on Spark: the nightly scores table computed by the executors, row for row what the
in-process scorer (``serving.batch.score_table``) gives.

The champions travel once per executor as one broadcast (ONNX bytes, feature order and the
TreeSHAP tables; an ONNX Runtime session does not pickle, so it is rebuilt from the bytes). Each
Python worker builds its ``Scorer`` once per broadcast and scores every Arrow batch it is handed with
``score_table`` itself, on one thread: Spark runs a task per core. A test holds the two tables equal
within 1e-6 on the ci preset's features.

Needs the spark extra (``uv sync --extra spark``); executors run the same environment as the driver
(this package importable, ``PYSPARK_PYTHON`` the project's Python).
"""

from __future__ import annotations

import dataclasses
import hashlib
import pickle
from collections.abc import Iterator
from datetime import date

import numpy as np
import pandas as pd
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import types as T

from models.onnx_export import onnx_session
from serving.batch import score_columns, score_table
from serving.scoring import Scorer
from serving.served_models import ServedModel
from wealthpulse.domain import NEEDS, TIERS

# Rows per Arrow batch handed to a worker: big enough that ONNX Runtime and the reason kernels run
# on whole blocks, small enough to keep a worker's memory flat.
BATCH_ROWS = 5_000
# A worker's scorers, by broadcast: built on the first batch of a broadcast, reused for the rest.
_SCORERS: dict[str, Scorer] = {}


def score_schema() -> T.StructType:
    """The scores table as Spark types: the columns of ``score_columns`` in their order."""
    text = {"client_id", "top_need", "tier_now", "tier_90d"}
    fields = []
    for name in score_columns():
        if name == "as_of_date":
            kind: T.DataType = T.DateType()
        elif name in text or name.startswith("reasons_"):
            kind = T.StringType()
        else:
            kind = T.DoubleType()
        fields.append(T.StructField(name, kind, nullable=True))
    return T.StructType(fields)


def portable(served: dict[str, ServedModel]) -> bytes:
    """The champions without their ONNX Runtime sessions, pickled: what is broadcast."""
    return pickle.dumps({name: dataclasses.replace(model, session=None) for name, model in served.items()})


def scorer_of(models: bytes) -> Scorer:
    """A scorer over broadcast champions, each with a fresh ONNX Runtime session of its bytes."""
    served = pickle.loads(models)
    return Scorer({name: dataclasses.replace(m, session=onnx_session(m.model_bytes)) for name, m in served.items()})


def score_frame(spark: SparkSession, served: dict[str, ServedModel], features: DataFrame, as_of: date) -> DataFrame:
    """The scores table of the Spark frame `features` (client_id and every model input), lazily.

    The result has ``score_schema()``; nothing runs until it is written or collected.
    """
    scorer_inputs = Scorer(served).inputs
    missing = [name for name in scorer_inputs if name not in features.columns]
    if missing:
        raise ValueError(f"the feature rows lack {len(missing)} model input(s), e.g. {missing[:5]}")
    payload = portable(served)
    # What a worker caches its scorer under: the champions themselves (a broadcast has no id on a worker).
    key = hashlib.sha256(payload).hexdigest()
    models = spark.sparkContext.broadcast(payload)
    spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", str(BATCH_ROWS))

    def score_batches(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        scorer = _SCORERS.get(key)
        if scorer is None:
            scorer = _SCORERS[key] = scorer_of(models.value)
        for batch in batches:
            if len(batch):
                yield score_table(scorer, batch, as_of, threads=1, chunk_rows=len(batch))

    return features.select("client_id", *scorer_inputs).mapInPandas(score_batches, score_schema())


def spark_score_table(
    spark: SparkSession,
    served: dict[str, ServedModel],
    features: pd.DataFrame,
    as_of: date,
    partitions: int | None = None,
) -> pd.DataFrame:
    """``score_table`` of the pandas frame `features`, computed on Spark: the same columns, types
    and row order. `partitions` (by default the cluster's default parallelism) splits the rows."""
    if features["client_id"].duplicated().any():
        raise ValueError("one feature row per client is expected")
    inputs = Scorer(served).inputs
    missing = [name for name in inputs if name not in features.columns]
    if missing:
        raise ValueError(f"the feature rows lack {len(missing)} model input(s), e.g. {missing[:5]}")
    frame = features[["client_id", *inputs]].astype({name: np.float64 for name in inputs})
    rows = spark.createDataFrame(frame).repartition(partitions or spark.sparkContext.defaultParallelism)
    scored = score_frame(spark, served, rows, as_of).toPandas()
    scored = scored.set_index("client_id").loc[features["client_id"].to_numpy()].reset_index()
    return _as_in_process(scored, served)


def _as_in_process(scored: pd.DataFrame, served: dict[str, ServedModel]) -> pd.DataFrame:
    """The columns typed as ``score_table`` types them: a model without a champion leaves its
    columns empty (None), as in the in-process table."""
    scored = scored[score_columns()].copy()
    absent = []
    if "tiering" not in served:
        absent += ["tier_90d", *(f"tier_p_{tier}" for tier in TIERS)]
    if not any(name.startswith("intent_") for name in served):
        absent += [*(f"intent_{need}" for need in NEEDS), "top_need"]
    else:
        absent += [f"intent_{need}" for need in NEEDS if f"intent_{need}" not in served]
    for name in absent:
        scored[name] = pd.Series([None] * len(scored), index=scored.index, dtype=object)
    return scored
