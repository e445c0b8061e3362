"""Feast's Spark offline store, answering as the DuckDB store answers.

Feast's Spark store hands back Spark's timestamps without a zone (Spark keeps instants in the
session's zone, UTC here): a training set read on Spark would hold naive event times where the
DuckDB read holds UTC ones, and every reader that compares them with a UTC time would fail. Each
retrieval job of this store returns those columns as UTC instants, so a point-in-time read gives the
same frame on either engine (by test).

Chosen in ``feature_store.spark.yaml`` (``type: features.spark_offline.SparkOfflineStore``); needs the
spark extra (``uv sync --extra spark``) and a Java runtime.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
from feast.infra.offline_stores.contrib.spark_offline_store import spark as feast_spark
from pydantic import StrictStr

STORE_TYPE = "features.spark_offline.SparkOfflineStore"


class SparkOfflineStoreConfig(feast_spark.SparkOfflineStoreConfig):
    type: StrictStr = STORE_TYPE


class UtcSparkRetrievalJob(feast_spark.SparkRetrievalJob):
    """A Spark retrieval job whose zone-less timestamp columns come back as UTC instants."""

    # The entity frame's datetime columns and their types, which the answer keeps (DuckDB's does).
    entity_types: dict[str, object] = {}

    @classmethod
    def of(cls, job: feast_spark.SparkRetrievalJob, entity_df: object = None) -> UtcSparkRetrievalJob:
        utc = cls(
            spark_session=job.spark_session,
            query=job.query,
            full_feature_names=job.full_feature_names,
            config=job._config,
            on_demand_feature_views=job.on_demand_feature_views,
            metadata=job.metadata,
        )
        if isinstance(entity_df, pd.DataFrame):
            utc.entity_types = {
                c: entity_df[c].dtype for c in entity_df.columns if pd.api.types.is_datetime64_any_dtype(entity_df[c])
            }
        return utc

    def _to_df_internal(self, timeout: int | None = None) -> pd.DataFrame:
        frame = in_utc(super()._to_df_internal(timeout=timeout))
        # Spark's instants are microseconds; the entity frame's own unit (and zone) is given back.
        kept = {c: frame[c].astype(t) for c, t in self.entity_types.items() if c in frame and frame[c].dtype != t}
        return frame.assign(**kept) if kept else frame

    def _to_arrow_internal(self, timeout: int | None = None) -> pa.Table:
        if self._should_use_staging_for_arrow():
            return self._to_arrow_via_staging()
        return pa.Table.from_pandas(self._to_df_internal(timeout=timeout), preserve_index=False)


def in_utc(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every zone-less datetime column read as UTC (the Spark session's zone)."""
    naive = [c for c in frame.columns if pd.api.types.is_datetime64_dtype(frame[c]) and frame[c].dt.tz is None]
    if not naive:
        return frame
    return frame.assign(**{c: frame[c].dt.tz_localize("UTC") for c in naive})


class SparkOfflineStore(feast_spark.SparkOfflineStore):
    """Feast's Spark offline store; every job it returns answers in UTC."""

    @staticmethod
    def pull_latest_from_table_or_query(*args, **kwargs):
        return UtcSparkRetrievalJob.of(feast_spark.SparkOfflineStore.pull_latest_from_table_or_query(*args, **kwargs))

    @staticmethod
    def pull_all_from_table_or_query(*args, **kwargs):
        return UtcSparkRetrievalJob.of(feast_spark.SparkOfflineStore.pull_all_from_table_or_query(*args, **kwargs))

    @staticmethod
    def get_historical_features(config, feature_views, feature_refs, entity_df, *args, **kwargs):
        job = feast_spark.SparkOfflineStore.get_historical_features(
            config, feature_views, feature_refs, entity_df, *args, **kwargs
        )
        return UtcSparkRetrievalJob.of(job, entity_df)
