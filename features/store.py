"""Open the feature store and apply the repo with `feast apply` semantics."""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import io
import logging
import string
from pathlib import Path

import pandas as pd
import yaml
from feast import FeatureStore, Project
from feast.repo_config import RepoConfig
from feast.repo_contents import RepoContents
from feast.repo_operations import apply_total_with_repo_instance

from features import repo
from features.engines import FeatureRepo, declared_repo
from wealthpulse.settings import Settings

REPO_DIR = Path(__file__).resolve().parent
log = logging.getLogger(__name__)


# The feature_store.yaml of each online store (wealthpulse.settings.ONLINE_STORES names the choices).
STORE_YAML = {"sqlite": "feature_store.yaml", "redis": "feature_store.redis.yaml"}
# The offline store of the Spark engine (its online store is the one the online store setting picks).
SPARK_YAML = "feature_store.spark.yaml"
# The Spark master Feast's own session would use when the settings name none.
DEFAULT_SPARK_MASTER = "local[2]"


def open_store(
    settings: Settings | None = None,
    repo_dir: Path = REPO_DIR,
    online_store: str | None = None,
    engine: str | None = None,
) -> FeatureStore:
    """The feature store of the platform's state: SQLite online store, or Redis when the settings say so;
    point-in-time reads on DuckDB, or on Spark when the engine (the settings', unless given) is spark.

    The yaml's ``${WEALTHPULSE_HOME}`` and ``${WEALTHPULSE_REDIS_URL}`` are filled from the settings here,
    not from the environment (the ``feast`` command line, which reads the same file, takes them from there).
    Without settings, they are read from the environment once, as a notebook would.
    """
    settings = settings or Settings.from_env()
    if online_store is not None and online_store != settings.online_store:
        settings = dataclasses.replace(settings, online_store=online_store)
    engine = engine or settings.engine
    config = RepoConfig(**store_config(settings, engine, repo_dir))
    config.repo_path = repo_dir
    return FeatureStore(repo_path=str(repo_dir), config=config)


def store_config(settings: Settings, engine: str, repo_dir: Path = REPO_DIR) -> dict:
    """The feature_store.yaml of `settings` on `engine`, filled in: the online store's file, with the
    Spark file's offline store on the Spark engine."""
    variables = {"WEALTHPULSE_SPARK_MASTER": DEFAULT_SPARK_MASTER, **settings.tool_environment()}

    def read(name: str) -> dict:
        return yaml.safe_load(string.Template((repo_dir / name).read_text()).substitute(variables))

    config = read(STORE_YAML[settings.online_store])
    if engine == "spark":
        config["offline_store"] = read(SPARK_YAML)["offline_store"]
    elif engine != "duckdb":
        raise ValueError(f"engine {engine!r}: the feature store runs on duckdb or spark")
    return config


def repo_contents(project: str, feature_repo: FeatureRepo | None = None) -> RepoContents:
    """What `feast apply` registers: the declared repo, or `feature_repo` (``features.engines``)."""
    feature_repo = feature_repo or declared_repo()
    return RepoContents(
        projects=[Project(name=project)],
        data_sources=feature_repo.data_sources,
        entities=repo.ENTITIES,
        # Applying adds the entity column to a view's schema: apply copies, so the declared
        # views keep exactly the features they name.
        feature_views=[copy.copy(view) for view in feature_repo.feature_views],
        # Applying fills inferred fields into an on-demand view, after which the same object would
        # not apply again in this process: apply a copy.
        on_demand_feature_views=[copy.copy(view) for view in feature_repo.on_demand_feature_views],
        stream_feature_views=[],
        label_views=[],
        feature_services=feature_repo.feature_services,
        permissions=[],
    )


def apply_repo(store: FeatureStore, feature_repo: FeatureRepo | None = None) -> RepoContents:
    """Register every object and delete the ones no longer declared, as `feast apply` does.

    Feast prints the whole protobuf of every changed object; the one-line summaries of what
    was created, updated or deleted are logged instead.
    """
    contents = repo_contents(store.project, feature_repo)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        apply_total_with_repo_instance(store, store.project, store.registry, contents, skip_source_validation=False)
    for line in printed.getvalue().splitlines():
        if line.startswith(("Created", "Updated", "Deleted", "No changes")):
            log.info(line)
    return contents


def service_features(store: FeatureStore, service_name: str) -> list[str]:
    """Feature names of a feature service, in the order the service declares them."""
    service = store.get_feature_service(service_name)
    return [field.name for projection in service.feature_view_projections for field in projection.features]


REQUEST_EPOCH = "request_epoch"


def epoch_seconds(timestamps: pd.Series) -> pd.Series:
    """Epoch seconds of timestamps of any unit (pandas keeps us or ns from parquet)."""
    utc = pd.to_datetime(timestamps, utc=True)
    return (utc - pd.Timestamp(0, tz="UTC")) / pd.Timedelta(seconds=1)


def with_request_time(entity_df: pd.DataFrame, timestamp_column: str = "event_timestamp") -> pd.DataFrame:
    """Add the request field of the on-demand view: in training the request happens at the as-of time."""
    return entity_df.assign(**{REQUEST_EPOCH: epoch_seconds(entity_df[timestamp_column])})
