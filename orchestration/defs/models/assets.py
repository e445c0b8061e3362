"""Churn model: point-in-time training set, LightGBM, ONNX with a parity gate, model store."""

import json
import subprocess

import dagster as dg
import lightgbm as lgb
import pandas as pd
from dagster_dbt import get_asset_key_for_model

from features.store import service_features
from models.config import CHURN
from models.evaluation import binary_metrics
from models.onnx_export import check_parity, export_onnx, onnx_positive_proba, onnx_session
from models.registry import register
from models.training import TIMESTAMP, feature_matrix, time_split, train, training_frame
from orchestration.defs.features.assets import feast_registry
from orchestration.defs.warehouse.assets import warehouse_models
from orchestration.resources import FeastResource, MartsResource, PlatformResource
from wealthpulse.settings import PROJECT_ROOT

CHURN_LABELS = get_asset_key_for_model([warehouse_models], "mart_churn_labels")
PARITY_FAIL_ABOVE = 1e-4


def _artifacts(platform: PlatformResource):
    folder = platform.settings.artifacts_dir / CHURN.name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _code_version() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


@dg.asset(
    key=["models", "churn_training_set"],
    deps=[feast_registry, CHURN_LABELS],
    group_name="models",
    kinds={"feast", "parquet"},
    owners=["team:data-science"],
    description="Point-in-time training set: churn labels joined with churn_v1 features by get_historical_features.",
)
def churn_training_set(
    context: dg.AssetExecutionContext,
    platform: PlatformResource,
    feast: FeastResource,
    marts: MartsResource,
) -> dg.MaterializeResult:
    labels = (
        marts.read("churn_labels", columns=["client_id", "label_ts", CHURN.label])
        .rename(columns={"label_ts": TIMESTAMP})
        .sort_values([TIMESTAMP, "client_id"], kind="stable")
    )
    context.log.info(f"{len(labels)} label rows; joining {CHURN.feature_service} features point in time")
    frame = training_frame(feast.store(), CHURN.feature_service, labels)
    path = _artifacts(platform) / "training_set.parquet"
    frame.to_parquet(path.with_suffix(".tmp"), index=False)
    path.with_suffix(".tmp").replace(path)
    return dg.MaterializeResult(
        metadata={
            "rows": dg.MetadataValue.int(len(frame)),
            "positive_rate": float(frame[CHURN.label].mean()),
            "as_of_dates": dg.MetadataValue.int(frame[TIMESTAMP].nunique()),
            "path": dg.MetadataValue.path(str(path)),
        }
    )


def _load_split(platform: PlatformResource):
    frame = pd.read_parquet(_artifacts(platform) / "training_set.parquet")
    return time_split(frame, CHURN)


@dg.asset(
    key=["models", "churn_model"],
    deps=[churn_training_set],
    group_name="models",
    kinds={"lightgbm"},
    owners=["team:data-science"],
    description="LightGBM 60-day churn model, early-stopped on validation dates, graded on test dates.",
)
def churn_model(context: dg.AssetExecutionContext, platform: PlatformResource, feast: FeastResource):
    split = _load_split(platform)
    feature_names = service_features(feast.store(), CHURN.feature_service)
    booster = train(split, feature_names, CHURN)
    test_scores = booster.predict(feature_matrix(split.test, feature_names))
    metrics = binary_metrics(split.test[CHURN.label].to_numpy(), test_scores)
    folder = _artifacts(platform)
    booster.save_model(str(folder / "model.txt"))
    summary = {
        "metrics": metrics,
        "split": split.describe(),
        "feature_names": feature_names,
        "trees": booster.num_trees(),
    }
    (folder / "training_summary.json").write_text(json.dumps(summary, indent=2))
    importance = pd.Series(booster.feature_importance("gain"), index=feature_names).sort_values(ascending=False)
    context.log.info(f"churn test AUC {metrics['auc']:.4f} on {int(metrics['rows'])} rows")
    return dg.MaterializeResult(
        metadata={
            "test_auc": dg.MetadataValue.float(metrics["auc"]),
            "test_pr_auc": dg.MetadataValue.float(metrics["pr_auc"]),
            "test_top_decile_lift": dg.MetadataValue.float(metrics["top_decile_lift"]),
            "test_brier": dg.MetadataValue.float(metrics["brier"]),
            "trees": dg.MetadataValue.int(booster.num_trees()),
            "split": dg.MetadataValue.json(split.describe()),
            "top_features_by_gain": dg.MetadataValue.md(importance.head(10).rename("gain").to_frame().to_markdown()),
        }
    )


@dg.asset(
    key=["models", "churn_onnx"],
    deps=[churn_model],
    group_name="models",
    kinds={"onnx"},
    owners=["team:data-science"],
    description="The churn model exported to ONNX (opset 15, plain probability tensors).",
)
def churn_onnx(platform: PlatformResource) -> dg.MaterializeResult:
    folder = _artifacts(platform)
    booster = lgb.Booster(model_file=str(folder / "model.txt"))
    model_bytes = export_onnx(booster, name=CHURN.name)
    (folder / "model.onnx").write_bytes(model_bytes)
    return dg.MaterializeResult(metadata={"bytes": dg.MetadataValue.int(len(model_bytes))})


@dg.asset_check(
    asset=churn_onnx,
    name="parity",
    blocking=True,
    description=f"ONNX and LightGBM agree on every test row: max abs difference at most {PARITY_FAIL_ABOVE}.",
)
def churn_onnx_parity(platform: PlatformResource, feast: FeastResource) -> dg.AssetCheckResult:
    folder = _artifacts(platform)
    split = _load_split(platform)
    feature_names = json.loads((folder / "training_summary.json").read_text())["feature_names"]
    booster = lgb.Booster(model_file=str(folder / "model.txt"))
    parity = check_parity(booster, (folder / "model.onnx").read_bytes(), feature_matrix(split.test, feature_names))
    return dg.AssetCheckResult(
        passed=parity["max_abs_diff"] <= PARITY_FAIL_ABOVE and parity["top_decile_overlap"] == 1.0,
        metadata={
            "rows": dg.MetadataValue.int(int(parity["rows"])),
            "max_abs_diff": dg.MetadataValue.float(parity["max_abs_diff"]),
            "top_decile_overlap": dg.MetadataValue.float(parity["top_decile_overlap"]),
        },
    )


@dg.asset(
    key=["models", "churn_registered"],
    deps=[churn_onnx],
    group_name="models",
    kinds={"bentoml"},
    owners=["team:data-science"],
    description="The churn model in the BentoML model store with its metrics and feature contract.",
)
def churn_registered(platform: PlatformResource) -> dg.MaterializeResult:
    folder = _artifacts(platform)
    summary = json.loads((folder / "training_summary.json").read_text())
    model_bytes = (folder / "model.onnx").read_bytes()
    split = _load_split(platform)
    onnx_auc = binary_metrics(
        split.test[CHURN.label].to_numpy(),
        onnx_positive_proba(onnx_session(model_bytes), feature_matrix(split.test, summary["feature_names"])),
    )["auc"]
    tag = register(
        CHURN.name,
        model_bytes,
        metadata={
            "feature_service": CHURN.feature_service,
            "feature_names": summary["feature_names"],
            "metrics": summary["metrics"],
            "onnx_test_auc": onnx_auc,
            "training_window": summary["split"],
            "code_version": _code_version(),
        },
        labels={"model": CHURN.name, "feature_service": CHURN.feature_service},
    )
    return dg.MaterializeResult(metadata={"tag": tag, "test_auc": dg.MetadataValue.float(onnx_auc)})


defs = dg.Definitions(
    assets=[churn_training_set, churn_model, churn_onnx, churn_registered],
    asset_checks=[churn_onnx_parity],
)
