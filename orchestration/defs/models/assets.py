"""Model assets, built per model config: training set -> model -> ONNX (+ parity) -> registered.

``build_model_defs(config)`` makes, for a config named ``<m>``, the assets ``models/<m>_training_set``,
``models/<m>_model`` (with the non-blocking ``quality`` check against the goals), ``models/<m>_onnx``
(with the blocking ``parity`` check) and ``models/<m>_registered`` (champion / challenger decision as
metadata). Which models get assets is decided in one place: ``models.config.active_configs()``.
Asset bodies are thin: the logic lives in ``models/``.
"""

import json
import subprocess
import time
from pathlib import Path

import bentoml
import dagster as dg
import lightgbm as lgb
import numpy as np
import pandas as pd
from dagster_dbt import get_asset_key_for_model

from features.store import service_features
from models.cards import CardInputs, card_markdown, write_model_card
from models.config import ModelConfig, active_configs
from models.evaluation import class_codes, evaluate, holdout_metric
from models.onnx_export import check_parity, export_onnx, onnx_scores, onnx_session, parity_passed
from models.registry import (
    LIGHTGBM_FILE,
    champion_tag,
    decide,
    frame_fingerprint,
    load_champion,
    register_candidate,
)
from models.training import (
    ENTITY_KEY,
    TIMESTAMP,
    ablation,
    feature_matrix,
    fit_head,
    label_frame,
    predict,
    time_split,
    training_frame,
)
from orchestration.defs.features.assets import feast_registry
from orchestration.defs.warehouse.assets import warehouse_models
from orchestration.resources import FeastResource, MartsResource, PlatformResource
from wealthpulse.settings import PROJECT_ROOT

PARITY_FAIL_ABOVE = 1e-4


def _code_version() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _oracle(platform: PlatformResource) -> pd.DataFrame | None:
    """The simulator's ground truth, for grading only (never a feature); None when not simulated."""
    path = platform.settings.oracle_file
    return pd.read_parquet(path) if path.exists() else None


def _write_json(path: Path, document: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(document, indent=2, default=str))
    tmp.replace(path)


def ablation_table(heads: dict[str, dict]) -> str | None:
    """Markdown: per head and dropped feature group, the test AUC with and without it."""
    rows = [
        f"| {head} | {a['prefix']}* ({len(a['dropped'])}) | {a['auc_with']:.4f} | {a['auc_without']:.4f} "
        f"| {a['auc_drop']:+.4f} |"
        for head, summary in heads.items()
        for a in summary.get("ablations", [])
    ]
    if not rows:
        return None
    return "\n".join(["| head | without | AUC with | AUC without | AUC added |", "|---|---|---|---|---|", *rows])


def build_model_defs(config: ModelConfig) -> dg.Definitions:
    """The four assets and two checks of one model config."""
    name = config.name
    labels_key = get_asset_key_for_model([warehouse_models], config.dbt_model)

    def folder(platform: PlatformResource, head: str | None = None) -> Path:
        path = platform.settings.artifacts_dir / name / (head or "")
        path.mkdir(parents=True, exist_ok=True)
        return path

    def load_frame(platform: PlatformResource) -> pd.DataFrame:
        return pd.read_parquet(folder(platform) / "training_set.parquet")

    def head_summary(platform: PlatformResource, head: str) -> dict:
        return json.loads((folder(platform, head) / "summary.json").read_text())

    def head_booster(platform: PlatformResource, head: str) -> lgb.Booster:
        return lgb.Booster(model_file=str(folder(platform, head) / LIGHTGBM_FILE))

    @dg.asset(
        key=["models", f"{name}_training_set"],
        deps=[feast_registry, labels_key],
        group_name="models",
        kinds={"feast", "parquet"},
        owners=["team:data-science"],
        description=f"Point-in-time training set: {config.label_mart} joined with {config.feature_service} "
        "features by get_historical_features.",
    )
    def training_set(
        context: dg.AssetExecutionContext, platform: PlatformResource, feast: FeastResource, marts: MartsResource
    ) -> dg.MaterializeResult:
        labels = label_frame(marts.read(config.label_mart), config)
        context.log.info(f"{len(labels)} label rows; joining {config.feature_service} features point in time")
        frame = training_frame(feast.store(), config.feature_service, labels)
        path = folder(platform) / "training_set.parquet"
        frame.to_parquet(path.with_suffix(".tmp"), index=False)
        path.with_suffix(".tmp").replace(path)
        metadata: dict[str, object] = {
            "rows": dg.MetadataValue.int(len(frame)),
            "as_of_dates": dg.MetadataValue.int(frame[TIMESTAMP].nunique()),
            "fingerprint": frame_fingerprint(frame),
            "path": dg.MetadataValue.path(str(path)),
        }
        if config.task == "binary":
            rates = {head: float(frame[label].mean()) for head, label in config.heads.items()}
            metadata["positive_rate"] = float(np.mean(list(rates.values()))) if len(rates) == 1 else None
            metadata["positive_rates"] = dg.MetadataValue.json(rates)
        else:
            shares = frame[config.label].value_counts(normalize=True).sort_index()
            metadata["class_shares"] = dg.MetadataValue.json({str(k): float(v) for k, v in shares.items()})
        return dg.MaterializeResult(metadata={k: v for k, v in metadata.items() if v is not None})

    @dg.asset(
        key=["models", f"{name}_model"],
        deps=[training_set],
        group_name="models",
        kinds={"lightgbm"},
        owners=["team:data-science"],
        description=f"LightGBM {name} model ({len(config.heads)} head(s), {config.task}), early-stopped and "
        "calibrated on validation dates, graded on test dates beside the oracle; model card.",
    )
    def model(context: dg.AssetExecutionContext, platform: PlatformResource, feast: FeastResource):
        frame = load_frame(platform)
        split = time_split(frame, config)
        feature_names = service_features(feast.store(), config.feature_service)
        oracle = _oracle(platform)
        test_x = feature_matrix(split.test, feature_names)
        cards, heads = [], {}
        for head, label in config.heads.items():
            started = time.perf_counter()
            booster, calibration = fit_head(split, feature_names, config, label)
            train_seconds = time.perf_counter() - started
            scores = predict(booster, test_x)
            graded = evaluate(config, head, split.test, scores, oracle)
            importance = pd.Series(booster.feature_importance("gain"), index=feature_names, name="gain")
            # What a feature group (e.g. transcript mentions) adds: retrain without it.
            ablations = [
                ablation(split, feature_names, config, prefix, label, auc_with=graded["metrics"]["auc"])
                for prefix in config.ablation_prefixes
                if config.task == "binary" and any(f.startswith(prefix) for f in feature_names)
            ]
            booster.save_model(str(folder(platform, head) / LIGHTGBM_FILE))
            summary = {
                **graded,
                "calibration": calibration,
                "ablations": ablations,
                "split": split.describe(),
                "feature_names": feature_names,
                "trees": booster.num_trees(),
                "train_seconds": train_seconds,
                "fingerprint": frame_fingerprint(frame),
            }
            _write_json(folder(platform, head) / "summary.json", summary)
            heads[head] = summary
            y = (
                split.test[label].to_numpy()
                if config.task == "binary"
                else class_codes(split.test[label], config.classes)
            )
            cards.append(
                CardInputs(
                    name=head,
                    task=config.task,
                    y_true=y,
                    scores=scores,
                    metrics=graded["metrics"],
                    importance=importance,
                    classes=config.classes,
                    oracle=graded["oracle"],
                    goals=graded["goals"],
                    details={"calibration": calibration.get("method") if calibration["applied"] else "none"},
                )
            )
            context.log.info(f"{head}: {config.primary_metric} {graded['metrics'][config.primary_metric]:.4f}")
        paths = write_model_card(folder(platform) / "card", cards, f"Model card: {name}")
        metadata: dict[str, object] = {
            "summary": dg.MetadataValue.md("\n\n".join(card_markdown(card) for card in cards)),
            "model_card": dg.MetadataValue.path(str(paths["html"])),
            "plots": dg.MetadataValue.json({k: str(v) for k, v in paths.items() if k != "html"}),
            "split": dg.MetadataValue.json(split.describe()),
            "trees": dg.MetadataValue.int(sum(h["trees"] for h in heads.values())),
            "train_seconds": dg.MetadataValue.float(sum(h["train_seconds"] for h in heads.values())),
        }
        ablations = ablation_table(heads)
        if ablations:
            metadata["ablations"] = dg.MetadataValue.md(ablations)
        if len(config.heads) == 1:
            only = next(iter(heads.values()))
            for key, value in only["metrics"].items():
                metadata[f"test_{key}"] = dg.MetadataValue.float(float(value))
            if only["oracle"]:
                for key, value in only["oracle"].items():
                    metadata[f"oracle_{key}"] = dg.MetadataValue.float(float(value))
            top = cards[0].importance.sort_values(ascending=False).head(10)
            metadata["top_features_by_gain"] = dg.MetadataValue.md(top.to_frame().to_markdown())
        return dg.MaterializeResult(metadata=metadata)

    @dg.asset_check(
        asset=model,
        name="quality",
        blocking=False,
        description="The goals on the test dates: AUC within 0.01 of the oracle, top-decile lift >= 3x, "
        "ECE <= 0.02 (binary); macro-F1 >= the 'tier stays the same' baseline + 10 points (tiering). "
        "A miss warns.",
    )
    def quality(platform: PlatformResource) -> dg.AssetCheckResult:
        goals = {head: head_summary(platform, head)["goals"] for head in config.heads}
        missed = [f"{head}.{g['goal']}" for head, rows in goals.items() for g in rows if not g["met"]]
        table = "\n".join(
            ["| head | goal | value | target | met |", "|---|---|---|---|---|"]
            + [
                f"| {head} | {g['goal']} | {g['value']:.4f} | {g['target']} | {'yes' if g['met'] else 'NO'} |"
                for head, rows in goals.items()
                for g in rows
            ]
        )
        return dg.AssetCheckResult(
            passed=not missed,
            severity=dg.AssetCheckSeverity.WARN,
            description=f"goals missed: {', '.join(missed)}" if missed else "every goal met",
            metadata={"goals": dg.MetadataValue.md(table), "missed": dg.MetadataValue.int(len(missed))},
        )

    @dg.asset(
        key=["models", f"{name}_onnx"],
        deps=[model],
        group_name="models",
        kinds={"onnx"},
        owners=["team:data-science"],
        description=f"The {name} model exported to ONNX (opset 15, plain probability tensors), one file per head.",
    )
    def onnx(platform: PlatformResource) -> dg.MaterializeResult:
        sizes = {}
        for head in config.heads:
            model_bytes = export_onnx(head_booster(platform, head), name=head)
            (folder(platform, head) / "model.onnx").write_bytes(model_bytes)
            sizes[head] = len(model_bytes)
        return dg.MaterializeResult(
            metadata={"bytes": dg.MetadataValue.int(sum(sizes.values())), "heads": dg.MetadataValue.json(sizes)}
        )

    def head_parity(platform: PlatformResource, head: str, split) -> dict[str, float]:
        feature_names = head_summary(platform, head)["feature_names"]
        model_bytes = (folder(platform, head) / "model.onnx").read_bytes()
        return check_parity(head_booster(platform, head), model_bytes, feature_matrix(split.test, feature_names))

    @dg.asset_check(
        asset=onnx,
        name="parity",
        blocking=True,
        description=f"ONNX and LightGBM agree on every test row: max abs difference at most {PARITY_FAIL_ABOVE}, "
        "the same top decile (and the same predicted class).",
    )
    def parity(platform: PlatformResource) -> dg.AssetCheckResult:
        split = time_split(load_frame(platform), config)
        results = {head: head_parity(platform, head, split) for head in config.heads}
        worst = max(r["max_abs_diff"] for r in results.values())
        return dg.AssetCheckResult(
            passed=all(parity_passed(r, PARITY_FAIL_ABOVE) for r in results.values()),
            metadata={
                "rows": dg.MetadataValue.int(int(next(iter(results.values()))["rows"])),
                "max_abs_diff": dg.MetadataValue.float(worst),
                "top_decile_overlap": dg.MetadataValue.float(min(r["top_decile_overlap"] for r in results.values())),
                "heads": dg.MetadataValue.json(results),
            },
        )

    @dg.asset(
        key=["models", f"{name}_registered"],
        deps=[onnx],
        group_name="models",
        kinds={"bentoml"},
        owners=["team:data-science"],
        description=f"The {name} model in the BentoML model store, champion or challenger on the same holdout.",
    )
    def registered(context: dg.AssetExecutionContext, platform: PlatformResource) -> dg.MaterializeResult:
        frame = load_frame(platform)
        split = time_split(frame, config)
        decisions, tags = {}, {}
        for head, label in config.heads.items():
            summary = head_summary(platform, head)
            feature_names = summary["feature_names"]
            model_bytes = (folder(platform, head) / "model.onnx").read_bytes()
            y = (
                split.test[label].to_numpy()
                if config.task == "binary"
                else class_codes(split.test[label], config.classes)
            )
            candidate = holdout_metric(
                config, y, onnx_scores(onnx_session(model_bytes), feature_matrix(split.test, feature_names))
            )
            current_tag, current = champion_tag(head), None
            if current_tag is not None:
                champion_bytes, champion_meta, _ = load_champion(head)
                champion_features = champion_meta.get("feature_names", [])
                if champion_features and set(champion_features) <= set(split.test.columns):
                    champion_scores = onnx_scores(
                        onnx_session(champion_bytes), feature_matrix(split.test, champion_features)
                    )
                    current = holdout_metric(config, y, champion_scores)
            parity_ok = parity_passed(head_parity(platform, head, split), PARITY_FAIL_ABOVE)
            decision = decide(config.primary_metric, candidate, current, config.champion_margin, parity_ok, current_tag)
            tag, decision = register_candidate(
                head,
                model_bytes,
                metadata={
                    "model": name,
                    "head": head,
                    "label": label,
                    "task": config.task,
                    "classes": list(config.classes),
                    "feature_service": config.feature_service,
                    "feature_names": feature_names,
                    "metrics": summary["metrics"],
                    "oracle_gap": summary["oracle"],
                    "goals": summary["goals"],
                    "calibration": summary["calibration"],
                    "onnx_test_" + config.primary_metric: candidate,
                    "training_window": summary["split"],
                    "data_fingerprint": summary["fingerprint"],
                    "code_version": _code_version(),
                },
                decision=decision,
                labels={"model": name, "feature_service": config.feature_service},
                files={LIGHTGBM_FILE: (folder(platform, head) / LIGHTGBM_FILE).read_bytes()},
            )
            context.log.info(f"{tag}: {decision.stage} ({decision.reason})")
            decisions[head], tags[head] = decision.as_dict(), tag
        table = "\n".join(
            ["| head | tag | stage | candidate | champion | reason |", "|---|---|---|---|---|---|"]
            + [
                f"| {head} | {tags[head]} | {d['stage']} | {d['candidate']} | {d['champion']} | {d['reason']} |"
                for head, d in decisions.items()
            ]
        )
        metadata: dict[str, object] = {
            "decisions": dg.MetadataValue.md(table),
            "tags": dg.MetadataValue.json(tags),
        }
        if len(config.heads) == 1:
            only = next(iter(decisions))
            metadata["tag"] = tags[only]
            metadata["stage"] = decisions[only]["stage"]
            metadata[f"test_{config.primary_metric}"] = dg.MetadataValue.float(float(decisions[only]["candidate"]))
        return dg.MaterializeResult(metadata=metadata)

    @dg.asset_check(
        asset=training_set,
        name="point_in_time",
        blocking=True,
        description=(
            f"One row per label row of {config.label_mart}, no (client, as-of) twice, and every row's features "
            "taken at or before its as-of time (the feature row's as_of_epoch)."
        ),
    )
    def point_in_time(platform: PlatformResource, marts: MartsResource) -> dg.AssetCheckResult:
        frame = load_frame(platform)
        labels = label_frame(marts.read(config.label_mart), config)
        as_of = (frame[TIMESTAMP] - pd.Timestamp(0, tz="UTC")).dt.total_seconds()
        late = int((frame["as_of_epoch"] > as_of).sum()) if "as_of_epoch" in frame else 0
        twice = int(frame.duplicated([ENTITY_KEY, TIMESTAMP]).sum())
        return dg.AssetCheckResult(
            passed=len(frame) == len(labels) and twice == 0 and late == 0,
            metadata={
                "rows": dg.MetadataValue.int(len(frame)),
                "label_rows": dg.MetadataValue.int(len(labels)),
                "duplicated": dg.MetadataValue.int(twice),
                "features_after_as_of": dg.MetadataValue.int(late),
            },
        )

    @dg.asset_check(
        asset=registered,
        name="champion_serves",
        blocking=True,
        description="Each head has a champion in the model store whose ONNX model loads and scores a row.",
    )
    def champion_serves() -> dg.AssetCheckResult:
        problems = []
        for head in config.heads:
            try:
                model_bytes, metadata, tag = load_champion(head)
                width = len(metadata["feature_names"])
                scores = onnx_scores(onnx_session(model_bytes), np.zeros((1, width), dtype=np.float32))
                if not np.isfinite(scores).all():
                    problems.append(f"{tag}: a non-finite score")
            except (LookupError, KeyError, OSError, bentoml.exceptions.NotFound) as error:
                problems.append(f"{head}: {error}")
        return dg.AssetCheckResult(
            passed=not problems,
            metadata={
                "heads": dg.MetadataValue.int(len(config.heads)),
                "problems": dg.MetadataValue.md("\n".join(f"- {p}" for p in problems) or "none"),
            },
        )

    return dg.Definitions(
        assets=[training_set, model, onnx, registered], asset_checks=[quality, parity, point_in_time, champion_serves]
    )


defs = dg.Definitions.merge(*(build_model_defs(config) for config in active_configs()))
