"""The feature repo over the marts of any state, on either engine.

``features.repo`` holds the objects `feast apply` registers, their sources fixed when the repo is
imported (the engine and state the environment names). The same entity, views, on-demand view and
services are rebuilt here over other sources: a Spark store and a DuckDB store of one state side by
side (the engines' equality test), or a state other than the environment's (a benchmark). Only the
sources differ; every view keeps its name, schema, TTL and tags.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

from feast import FeatureService, FeatureView, OnDemandFeatureView
from feast.data_source import DataSource

from features import repo
from features.sources import LIVE_EVENTS_MART, MART_TIMESTAMPS, live_events_source, mart_source

ENGINES = ("duckdb", "spark")


@dataclass(frozen=True)
class FeatureRepo:
    data_sources: list[DataSource]
    feature_views: list[FeatureView]
    on_demand_feature_views: list[OnDemandFeatureView]
    feature_services: list[FeatureService]


def declared_repo() -> FeatureRepo:
    """The repo as `feast apply` sees it (``features.repo``)."""
    return FeatureRepo(repo.DATA_SOURCES, repo.FEATURE_VIEWS, repo.ON_DEMAND_FEATURE_VIEWS, repo.FEATURE_SERVICES)


def repo_for(engine: str, marts_dir: Path) -> FeatureRepo:
    """The declared repo with every mart source on `engine` under `marts_dir`."""
    if engine not in ENGINES:
        raise ValueError(f"engine {engine!r}: expected one of {', '.join(ENGINES)}")
    marts = {f"mart_{name}": mart_source(name, marts_dir, engine) for name in MART_TIMESTAMPS}
    live = live_events_source(marts[f"mart_{LIVE_EVENTS_MART}"])
    views = [_on_source(view, marts, live) for view in repo.FEATURE_VIEWS]
    # The request source is not a mart: it stays as declared.
    others = [s for s in repo.DATA_SOURCES if s.name not in marts and s.name != live.name]
    return FeatureRepo([*marts.values(), live, *others], views, repo.ON_DEMAND_FEATURE_VIEWS, repo.FEATURE_SERVICES)


def _on_source(view: FeatureView, marts: dict[str, DataSource], live: DataSource) -> FeatureView:
    """A copy of `view` reading the source of the same name from `marts` (or the push source `live`)."""
    moved = copy.copy(view)
    batch = marts[view.batch_source.name]
    moved.batch_source = batch
    if view.stream_source is not None:
        if view.stream_source.name != live.name:
            raise ValueError(f"view {view.name!r} reads stream source {view.stream_source.name!r}, not {live.name!r}")
        moved.stream_source = moved.data_source = live
    else:
        moved.data_source = batch
    return moved
