"""Model assets, built per model config: training set -> model -> ONNX (+ parity) -> registered.

``build_model_defs(config)`` makes, for a config named ``<m>``, the assets ``models/<m>_training_set``,
``models/<m>_model`` (with the non-blocking ``quality`` check against the goals), ``models/<m>_onnx``
(with the blocking ``parity`` check) and ``models/<m>_registered`` (champion / challenger decision as
metadata). Which models get assets is decided in one place: ``models.config.active_configs()``.
Asset bodies are thin: the logic lives in ``models/`` (``fit_model``, ``compare_with_champion``,
``ModelArtifacts``); this module reads the inputs, calls it and shows the result.
"""

import subprocess
from pathlib import Path

import bentoml
import dagster as dg
import numpy as np
import pandas as pd
from dagster_dbt import get_asset_key_for_model

from features.store import service_features
from models.artifacts import PARITY_ROWS, ModelArtifacts
from models.budget import Sample, sample_labels, training_budget
from models.cards import card_markdown, card_plots, plots_markdown, write_model_card
from models.champion import Candidate, compare_on_holdout, registration_labels, registration_metadata
from models.config import MODEL_CONFIGS, ModelConfig, active_configs
from models.fit import ModelFit, fit_model_on
from models.inputs import model_inputs
from models.learning_curve import curve_sections
from models.onnx_export import export_onnx, onnx_scores, onnx_session, parity_passed
from models.registry import LIGHTGBM_FILE, current_champion, load_champion, register_candidate
from models.summaries import (
    TrainingSetSummary,
    decisions_table,
    goals_table,
    missed_goals,
    top_features,
)
from models.training import AUDIT_COLUMNS, TIMESTAMP, label_frame, point_in_time_audit, split_dates, training_pieces
from orchestration.defs.features.assets import feast_registry
from orchestration.defs.models.keys import GROUP, model_asset_key
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


def sampled_labels(config: ModelConfig, platform: PlatformResource, marts: MartsResource) -> Sample:
    """The label rows the training set joins: whole clients up to the model's budget on the fitting
    dates, every row on the test dates."""
    budget = training_budget(config, platform.settings.training_rows, known=tuple(c.name for c in MODEL_CONFIGS))
    return sample_labels(label_frame(marts.read(config.label_mart), config), config, budget)


def sample_metadata(sample: dict[str, object]) -> dict[str, object]:
    """How many label rows and clients training read of how many, and the budget it read them under."""
    return {
        "training_budget": "all" if sample["budget"] is None else dg.MetadataValue.int(int(sample["budget"])),
        "fit_rows_sampled": dg.MetadataValue.int(int(sample["fit_rows"])),
        "fit_rows_total": dg.MetadataValue.int(int(sample["fit_rows_total"])),
        "clients_sampled": dg.MetadataValue.int(int(sample["clients"])),
        "clients_total": dg.MetadataValue.int(int(sample["clients_total"])),
        "test_rows": dg.MetadataValue.int(int(sample["test_rows"])),
    }


def training_set_metadata(summary: dict[str, object], path: Path) -> dict[str, object]:
    metadata: dict[str, object] = {
        "rows": dg.MetadataValue.int(summary["rows"]),
        "as_of_dates": dg.MetadataValue.int(summary["as_of_dates"]),
        "fingerprint": summary["fingerprint"],
        "path": dg.MetadataValue.path(str(path)),
    }
    if "positive_rate" in summary:
        metadata["positive_rate"] = summary["positive_rate"]
    for key in ("positive_rates", "class_shares"):
        if key in summary:
            metadata[key] = dg.MetadataValue.json(summary[key])
    return metadata


def model_metadata(
    fitted: ModelFit,
    card_paths: dict[str, Path],
    plots: list[dict[str, bytes]] | None = None,
    learning_curve: str | None = None,
) -> dict[str, object]:
    """What the model asset shows: the card summary, its plots (embedded in markdown, so the UI shows
    the pictures, and as file paths) after the model's ``learning_curve`` markdown when given, the
    split, and for a one-head model its test metrics and oracle figures."""
    metadata: dict[str, object] = {
        "summary": dg.MetadataValue.md("\n\n".join(card_markdown(card) for card in fitted.cards)),
        "model_card": dg.MetadataValue.path(str(card_paths["html"])),
        "plots": dg.MetadataValue.json({k: str(v) for k, v in card_paths.items() if k != "html"}),
        "split": dg.MetadataValue.json(fitted.split.describe()),
        "trees": dg.MetadataValue.int(fitted.trees),
        "train_seconds": dg.MetadataValue.float(fitted.train_seconds),
    }
    if plots is not None:
        sections = [learning_curve] if learning_curve else []
        metadata["plot_images"] = dg.MetadataValue.md("\n\n".join([*sections, plots_markdown(fitted.cards, plots)]))
    if len(fitted.heads) == 1:
        only = next(iter(fitted.heads.values()))
        for key, value in only.summary["metrics"].items():
            metadata[f"test_{key}"] = dg.MetadataValue.float(float(value))
        for key, value in (only.summary["oracle"] or {}).items():
            metadata[f"oracle_{key}"] = dg.MetadataValue.float(float(value))
        metadata["top_features_by_gain"] = dg.MetadataValue.md(top_features(only.card.importance))
    return metadata


def build_model_defs(config: ModelConfig) -> dg.Definitions:
    """The four assets and four checks of one model config."""
    name = config.name
    labels_key = get_asset_key_for_model([warehouse_models], config.dbt_model)

    def artifacts(platform: PlatformResource) -> ModelArtifacts:
        return ModelArtifacts.of(platform.settings.artifacts_dir, name)

    def split_from(store: ModelArtifacts) -> tuple[object, object]:
        """The first validation and the first test date of the stored training set (its dates alone read)."""
        return split_dates(store.read_training_set([TIMESTAMP])[TIMESTAMP].unique(), config)

    @dg.asset(
        key=model_asset_key(config, "training_set"),
        deps=[feast_registry, labels_key],
        group_name=GROUP,
        kinds={"feast", "parquet"},
        owners=["team:data-science"],
        description=f"Point-in-time training set: {config.label_mart} joined with {config.feature_service} "
        "features by get_historical_features.",
    )
    def training_set(
        context: dg.AssetExecutionContext, platform: PlatformResource, feast: FeastResource, marts: MartsResource
    ) -> dg.MaterializeResult:
        sample = sampled_labels(config, platform, marts)
        context.log.info(
            f"{sample.fit_rows:,} of {sample.fit_rows_total:,} label rows on the fitting dates "
            f"({sample.clients:,} of {sample.clients_total:,} clients, budget {sample.budget or 'all'}) and all "
            f"{sample.test_rows:,} test rows; joining {config.feature_service} features point in time"
        )
        # Written a piece at a time as Feast returns them: the set is never held whole.
        summary = TrainingSetSummary(config)
        store = artifacts(platform)
        pieces = training_pieces(feast.store(), config.feature_service, sample.labels)
        path = store.write_training_set(summary.add(piece) for piece in pieces)
        store.write_sample(sample.describe())
        return dg.MaterializeResult(
            metadata={**training_set_metadata(summary.result(), path), **sample_metadata(sample.describe())}
        )

    @dg.asset(
        key=model_asset_key(config, "model"),
        deps=[training_set],
        group_name=GROUP,
        kinds={"lightgbm"},
        owners=["team:data-science"],
        description=f"LightGBM {name} model ({len(config.heads)} head(s), {config.task}), early-stopped and "
        "calibrated on validation dates, graded on test dates beside the oracle; model card.",
    )
    def model(context: dg.AssetExecutionContext, platform: PlatformResource, feast: FeastResource):
        store = artifacts(platform)
        feature_names = model_inputs(service_features(feast.store(), config.feature_service))
        validation_from, test_from = split_from(store)
        fitted = fit_model_on(
            store.read_fitting(test_from),
            store.test_pieces(test_from),
            validation_from,
            config,
            feature_names,
            _oracle(platform),
        )
        sample = store.sample()
        for head, head_fit in fitted.heads.items():
            store.write_booster(head, head_fit.booster)
            store.write_summary(head, head_fit.summary)
            metric = head_fit.summary["metrics"][config.primary_metric]
            context.log.info(f"{head}: {config.primary_metric} {metric:.4f}")
        plots = [card_plots(card) for card in fitted.cards]
        curve = curve_sections(platform.settings.learning_curve_dir, name)
        card_paths = write_model_card(store.card_folder, fitted.cards, f"Model card: {name}", plots, curve.html)
        metadata = model_metadata(fitted, card_paths, plots, curve.markdown)
        if sample is not None:
            metadata.update(sample_metadata(sample))
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
        goals = {head: artifacts(platform).summary(head)["goals"] for head in config.heads}
        missed = missed_goals(goals)
        return dg.AssetCheckResult(
            passed=not missed,
            severity=dg.AssetCheckSeverity.WARN,
            description=f"goals missed: {', '.join(missed)}" if missed else "every goal met",
            metadata={"goals": dg.MetadataValue.md(goals_table(goals)), "missed": dg.MetadataValue.int(len(missed))},
        )

    @dg.asset(
        key=model_asset_key(config, "onnx"),
        deps=[model],
        group_name=GROUP,
        kinds={"onnx"},
        owners=["team:data-science"],
        description=f"The {name} model exported to ONNX (opset 15, plain probability tensors), one file per head.",
    )
    def onnx(platform: PlatformResource) -> dg.MaterializeResult:
        store = artifacts(platform)
        sizes = {}
        for head in config.heads:
            model_bytes = export_onnx(store.booster(head), name=head)
            store.write_onnx(head, model_bytes)
            sizes[head] = len(model_bytes)
        return dg.MaterializeResult(
            metadata={"bytes": dg.MetadataValue.int(sum(sizes.values())), "heads": dg.MetadataValue.json(sizes)}
        )

    @dg.asset_check(
        asset=onnx,
        name="parity",
        blocking=True,
        description=f"ONNX and LightGBM agree on the test rows (a fixed sample of {PARITY_ROWS:,} where there are "
        f"more): max abs difference at most {PARITY_FAIL_ABOVE}, the same top decile (and the same predicted class).",
    )
    def parity(platform: PlatformResource) -> dg.AssetCheckResult:
        store = artifacts(platform)
        test = store.test_sample(split_from(store)[1], PARITY_ROWS)
        results = {head: store.parity(head, test) for head in config.heads}
        return dg.AssetCheckResult(
            passed=all(parity_passed(r, PARITY_FAIL_ABOVE) for r in results.values()),
            metadata={
                "rows": dg.MetadataValue.int(int(next(iter(results.values()))["rows"])),
                "max_abs_diff": dg.MetadataValue.float(max(r["max_abs_diff"] for r in results.values())),
                "top_decile_overlap": dg.MetadataValue.float(min(r["top_decile_overlap"] for r in results.values())),
                "heads": dg.MetadataValue.json(results),
            },
        )

    @dg.asset(
        key=model_asset_key(config, "registered"),
        deps=[onnx],
        group_name=GROUP,
        kinds={"bentoml"},
        owners=["team:data-science"],
        description=f"The {name} model in the BentoML model store, champion or challenger on the same holdout.",
    )
    def registered(context: dg.AssetExecutionContext, platform: PlatformResource) -> dg.MaterializeResult:
        store, code_version = artifacts(platform), _code_version()
        test_from = split_from(store)[1]
        sample = store.test_sample(test_from, PARITY_ROWS)
        candidates = {
            head: Candidate(
                store.onnx_bytes(head),
                store.summary(head)["feature_names"],
                parity_passed(store.parity(head, sample), PARITY_FAIL_ABOVE),
            )
            for head in config.heads
        }
        champions = {head: current_champion(head) for head in config.heads}
        compared = compare_on_holdout(config, candidates, champions, store.test_pieces(test_from))
        decisions, tags = {}, {}
        for head, candidate in candidates.items():
            summary, decision = store.summary(head), compared[head]
            tag, decision = register_candidate(
                head,
                candidate.model_bytes,
                metadata=registration_metadata(config, head, summary, decision, code_version),
                decision=decision,
                labels=registration_labels(config),
                files={LIGHTGBM_FILE: store.booster_path(head).read_bytes()},
            )
            context.log.info(f"{tag}: {decision.stage} ({decision.reason})")
            decisions[head], tags[head] = decision.as_dict(), tag
        metadata: dict[str, object] = {
            "decisions": dg.MetadataValue.md(decisions_table(decisions, tags)),
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
            f"One row per sampled label row of {config.label_mart} (whole clients up to the training budget "
            "on the fitting dates, every test row), no (client, as-of) twice, and every row's features "
            "taken at or before its as-of time (the feature row's as_of_epoch). A training set without "
            "those columns fails."
        ),
    )
    def point_in_time(platform: PlatformResource, marts: MartsResource) -> dg.AssetCheckResult:
        # The audit reads the key, time and feature-time columns only (those the set has), not the features.
        store = artifacts(platform)
        columns = [column for column in AUDIT_COLUMNS if column in store.training_set_columns()]
        audit = point_in_time_audit(store.read_training_set(columns), sampled_labels(config, platform, marts).labels)
        counts = ("rows", "label_rows", "duplicated", "features_after_as_of")
        return dg.AssetCheckResult(
            passed=bool(audit["passed"]),
            description="; ".join(audit["problems"]) or None,
            metadata={key: dg.MetadataValue.int(int(audit[key])) for key in counts},
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
