"""Model benchmarks over a materialized state: quality beside the oracle, training time, ONNX Runtime
vs LightGBM prediction speed, and batch scoring throughput of every champion together.

    WEALTHPULSE_HOME=... uv run --frozen python -m benchmarks.models [--json out.json]

Reads what ``wealthpulse run`` left in the state directory: each head's ``summary.json`` under
``artifacts/`` (test metrics, oracle gap, training time), the champions in the BentoML model
store (ONNX bytes and the LightGBM text they were exported from), and the latest day's features
through Feast's offline store (the same read the lead list makes). A head whose summary lacks its
training time (states made before it was recorded) is retrained once from its training set.
"""

from __future__ import annotations

import argparse
import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd

from wealthpulse.settings import Settings, export_tool_environment

SETTINGS = Settings.from_env()
# A script entry point: BentoML reads its home from the environment when it is imported, below.
export_tool_environment(SETTINGS)

from features.store import open_store  # noqa: E402
from models.config import active_configs  # noqa: E402
from models.onnx_export import onnx_probabilities  # noqa: E402
from models.registry import LIGHTGBM_FILE, load_file  # noqa: E402
from models.training import TIMESTAMP, fit_head, time_split, training_frame  # noqa: E402
from serving.batch import BATCH_THREADS, CHUNK_ROWS  # noqa: E402
from serving.scoring import Scorer  # noqa: E402
from serving.served_models import load_all  # noqa: E402

ROWS = (1, 10_000)


def _median_seconds(call, repeats: int) -> float:
    call()  # warm-up: first-call set-up is not prediction speed
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return float(np.median(samples))


def quality_and_training(settings: Settings) -> list[dict[str, object]]:
    """Per head: test metrics beside the oracle's and the training time."""
    rows = []
    for config in active_configs():
        folder = settings.artifacts_dir / config.name
        frame, split = None, None
        for head, label in config.heads.items():
            summary = json.loads((folder / head / "summary.json").read_text())
            seconds = summary.get("train_seconds")
            if seconds is None:
                if split is None:
                    frame = pd.read_parquet(folder / "training_set.parquet")
                    split = time_split(frame, config)
                started = time.perf_counter()
                fit_head(split, summary["feature_names"], config, label)
                seconds = time.perf_counter() - started
            metrics, oracle = summary["metrics"], summary.get("oracle") or {}
            rows.append(
                {
                    "head": head,
                    "train_rows": summary["split"]["train"]["rows"],
                    "train_seconds": float(seconds),
                    "metrics": metrics,
                    "oracle": oracle,
                }
            )
    return rows


def latest_features(settings: Settings) -> pd.DataFrame:
    """Every feature any champion reads, for every client of the latest as-of day (Feast offline)."""
    clients = pd.read_parquet(settings.marts_dir / "client_suitability.parquet", columns=["client_id", "as_of_date"])
    day = pd.Timestamp(clients["as_of_date"].max())
    entity = clients.loc[clients["as_of_date"] == clients["as_of_date"].max(), ["client_id"]].assign(
        **{TIMESTAMP: day.tz_localize("UTC") if day.tzinfo is None else day}
    )
    store = open_store(settings)
    frames = [training_frame(store, config.feature_service, entity) for config in active_configs()]
    merged = frames[0]
    for frame in frames[1:]:
        merged = merged.merge(frame[["client_id", *frame.columns.difference(merged.columns)]], on="client_id")
    return merged


def prediction_speed(served: dict, features: pd.DataFrame, repeats: int) -> list[dict[str, object]]:
    """Median seconds per call of ONNX Runtime and of LightGBM on the same rows, per champion."""
    rows = []
    for name, model in served.items():
        booster = lgb.Booster(model_str=load_file(model.tag, LIGHTGBM_FILE).decode())
        full = features[model.feature_names].to_numpy(dtype=np.float32)
        for n in ROWS:
            matrix = np.ascontiguousarray(np.resize(full, (n, full.shape[1])))
            reps = repeats if n == 1 else max(5, repeats // 50)
            onnx_s = _median_seconds(lambda m=matrix, s=model.session: onnx_probabilities(s, m), reps)
            lgb_s = _median_seconds(lambda m=matrix, b=booster: b.predict(m, num_threads=1), reps)
            rows.append({"model": name, "rows": n, "onnx_ms": onnx_s * 1e3, "lightgbm_ms": lgb_s * 1e3})
    return rows


def batch_throughput(served: dict, features: pd.DataFrame, repeats: int = 5) -> dict[str, float]:
    """Clients per second scored by every champion together (matrix building included), in pieces of
    rows on every core as ``serving.batch.score_table`` runs them."""

    # The Scorer's matrix over every model's features, scored by its joint graph of every model.
    scorer = Scorer(served)

    def piece(rows: np.ndarray) -> None:
        scorer.probabilities(np.ascontiguousarray(rows))

    def score_all() -> None:
        matrix = features[scorer.inputs].to_numpy(dtype=np.float32)
        with ThreadPoolExecutor(max_workers=BATCH_THREADS) as pool:
            list(pool.map(piece, [matrix[s : s + CHUNK_ROWS] for s in range(0, len(matrix), CHUNK_ROWS)]))

    seconds = _median_seconds(score_all, repeats)
    return {
        "clients": float(len(features)),
        "models": float(len(served)),
        "seconds": seconds,
        "clients_per_second": len(features) / seconds,
        "threads": float(BATCH_THREADS),
    }


def quality_tables(quality: list[dict]) -> list[str]:
    """Binary heads beside the oracle on the same test rows; multiclass heads beside the baseline."""
    lines = [
        "| head | train rows | train s | test AUC | oracle AUC | gap | PR-AUC | lift@10% | Brier | ECE |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in (r for r in quality if "auc" in r["metrics"]):
        m, o = row["metrics"], row["oracle"]
        oracle = f"{o['oracle_auc']:.4f} | {o['auc_gap']:+.4f}" if o else "– | –"
        lines.append(
            f"| {row['head']} | {row['train_rows']:,} | {row['train_seconds']:.1f} | {m['auc']:.4f} | {oracle} "
            f"| {m['pr_auc']:.4f} | {m['top_decile_lift']:.2f} | {m['brier']:.4f} | {m['ece']:.4f} |"
        )
    multiclass = [r for r in quality if "macro_f1" in r["metrics"]]
    if multiclass:
        lines += [
            "",
            "| head | train rows | train s | macro-F1 | stays-same macro-F1 | gain | accuracy | stays-same accuracy "
            "| up-move recall | down-move recall | ECE (top label) |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for row in multiclass:
            m = row["metrics"]
            lines.append(
                f"| {row['head']} | {row['train_rows']:,} | {row['train_seconds']:.1f} | {m['macro_f1']:.4f} "
                f"| {m['baseline_macro_f1']:.4f} | {m['macro_f1_gain'] * 100:+.1f} pt | {m['accuracy']:.4f} "
                f"| {m['baseline_accuracy']:.4f} | {m['up_recall']:.3f} | {m['down_recall']:.3f} | {m['ece']:.4f} |"
            )
    return lines


def markdown(quality: list[dict], speed: list[dict], batch: dict[str, float], feature_seconds: float) -> str:
    lines = quality_tables(quality)
    lines += ["", "| model | rows | ONNX Runtime ms | LightGBM ms | speed-up |", "|---|---|---|---|---|"]
    lines += [
        f"| {r['model']} | {r['rows']:,} | {r['onnx_ms']:.3f} | {r['lightgbm_ms']:.3f} "
        f"| {r['lightgbm_ms'] / r['onnx_ms']:.1f}x |"
        for r in speed
    ]
    lines += [
        "",
        f"Batch scoring, {batch['models']:.0f} champion models together over {batch['clients']:,.0f} clients of the "
        f"latest day, pieces of {CHUNK_ROWS:,} on {batch['threads']:.0f} threads: {batch['seconds'] * 1e3:.0f} ms = "
        f"**{batch['clients_per_second']:,.0f} clients/s** "
        f"(features read from Feast's offline store beforehand in {feature_seconds:.1f} s, not counted).",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description="Model benchmarks over a materialized state.")
    parser.add_argument("--repeats", type=int, default=500, help="calls per 1-row measure")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    home = SETTINGS.home
    quality = quality_and_training(SETTINGS)
    started = time.perf_counter()
    features = latest_features(SETTINGS)
    feature_seconds = time.perf_counter() - started
    served = load_all()
    if not served:
        raise SystemExit(f"no champion model in the model store under {home}: run `wealthpulse run` first")
    speed = prediction_speed(served, features, args.repeats)
    batch = batch_throughput(served, features)
    print(markdown(quality, speed, batch, feature_seconds))
    if args.json:
        args.json.write_text(
            json.dumps(
                {"quality": quality, "speed": speed, "batch": batch, "feature_seconds": feature_seconds},
                indent=2,
                default=float,
            )
        )


if __name__ == "__main__":
    main()
