"""Materialize the churn model's assets with its blocking ``point_in_time`` check on a frame of the test's
own: the label mart is written from ``labels``, and ``join`` stands in for the Feast point-in-time read."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import dagster as dg
import pandas as pd

from models.config import CHURN
from models.training import TIMESTAMP


def materialize_churn(
    tmp_path: Path,
    monkeypatch,
    labels: pd.DataFrame,
    join: Callable[[object, object, pd.DataFrame], pd.DataFrame],
    assets: tuple[str, ...] = ("churn_training_set",),
    **platform: object,
) -> dg.ExecuteInProcessResult:
    from orchestration.defs.models import assets as model_assets
    from orchestration.defs.models.assets import build_model_defs
    from orchestration.resources import FeastResource, MartsResource, PlatformResource

    marts = tmp_path / "marts"
    marts.mkdir()
    labels.rename(columns={TIMESTAMP: "label_ts"}).to_parquet(marts / f"{CHURN.label_mart}.parquet", index=False)
    # The read in one piece: the asset writes what the join returns.
    monkeypatch.setattr(model_assets, "training_pieces", lambda *args: iter([join(*args)]))
    monkeypatch.setattr(FeastResource, "store", lambda self: None)
    built = build_model_defs(CHURN)
    selected = [asset for asset in built.assets if asset.key.path[-1] in assets]
    checks = [check for check in built.asset_checks if next(iter(check.check_keys)).name == "point_in_time"]
    resource = PlatformResource(home=str(tmp_path), preset="ci", seed=7, **platform)
    return dg.materialize(
        [*selected, *checks],
        resources={
            "platform": resource,
            "feast": FeastResource(platform=resource),
            "marts": MartsResource(path=str(marts)),
        },
        selection=[asset.key for asset in selected],
        raise_on_error=False,
    )
