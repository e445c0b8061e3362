"""The learning curve that sets each model's training budget: test metric against training rows.

    WEALTHPULSE_HOME=... uv run --frozen python -m benchmarks.learning_curve [--json out.json] [--png out.png]

On a materialized state (``wealthpulse run`` first), each head is trained on nested samples of whole
clients (``models/budget.py``: 25k, 50k, 100k, ... label rows on the fitting dates, and all of them) and
graded on every row of the test dates, beside the oracle on the same rows. The metric is test AUC for the
binary heads and test log-loss for tiering (macro-F1 beside it). A sample of the joined training set is
the sample the nightly takes before its point-in-time read: each row's join is its own.

``--calendar`` also trains each head on all rows with the calendar (``as_of_epoch`` and the other points
in time, ``models/inputs.py``) as an input, the way the models were trained before, for the before/after
table. The budget of a model is the smallest sample whose metric is within ``TOLERANCE`` of the largest
sample's, for every head of the model (``budget_rows``).
"""

from __future__ import annotations

import argparse
import io
import json
import time
from pathlib import Path

from wealthpulse.settings import Settings, export_tool_environment

SETTINGS = Settings.from_env()
export_tool_environment(SETTINGS)

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from models.artifacts import ModelArtifacts  # noqa: E402
from models.budget import sample_labels  # noqa: E402
from models.config import ModelConfig, active_configs  # noqa: E402
from models.fit import fit_one_head  # noqa: E402
from models.inputs import model_inputs  # noqa: E402
from models.training import time_split  # noqa: E402

SIZES = (25_000, 50_000, 100_000, 200_000, 400_000, 800_000)
TOLERANCE = 0.002


def metric_of(config: ModelConfig) -> tuple[str, bool]:
    """The metric a curve follows and whether higher is better."""
    return ("auc", True) if config.task == "binary" else ("log_loss", False)


def _oracle() -> pd.DataFrame | None:
    path = SETTINGS.oracle_file
    return pd.read_parquet(path) if path.exists() else None


def curve_of(
    config: ModelConfig, calendar: bool, oracle: pd.DataFrame | None, wanted: list[int | None] | None = None
) -> list[dict[str, object]]:
    """One row per (sample size, head): rows, clients, the test metric, the oracle's, seconds."""
    store = ModelArtifacts.of(SETTINGS.artifacts_dir, config.name)
    frame = store.read_training_set()
    service_features = store.summary(next(iter(config.heads)))["feature_names"]
    # The stored training set may hold inputs of an older run; the curve reads today's inputs.
    inputs = model_inputs([name for name in service_features if name in frame.columns])
    with_calendar = [name for name in service_features if name in frame.columns]
    full = sample_labels(frame, config, None)
    sizes = [size for size in SIZES if size < full.fit_rows] + [None]
    if wanted is not None:
        sizes = [size for size in sizes if size in wanted]
    metric, _ = metric_of(config)
    rows = []
    runs = [(size, inputs, False) for size in sizes]
    if calendar:
        runs.append((None, with_calendar, True))
    for size, names, with_time in runs:
        sample = sample_labels(frame, config, size)
        split = time_split(sample.labels, config)
        for head in config.heads:
            started = time.perf_counter()
            fitted = fit_one_head(split, config, head, names, oracle)
            seconds = time.perf_counter() - started
            summary = fitted.summary
            oracle_figures = summary["oracle"] or {}
            rows.append(
                {
                    "model": config.name,
                    "head": head,
                    "calendar": with_time,
                    "budget": size,
                    "fit_rows": sample.fit_rows,
                    "fit_rows_total": sample.fit_rows_total,
                    "clients": sample.clients,
                    "test_rows": sample.test_rows,
                    "metric": metric,
                    "value": float(summary["metrics"][metric]),
                    "macro_f1": summary["metrics"].get("macro_f1"),
                    "oracle_auc": oracle_figures.get("oracle_auc"),
                    "oracle_macro_f1": oracle_figures.get("oracle_macro_f1"),
                    "trees": summary["trees"],
                    "seconds": seconds,
                    "inputs": len(names),
                }
            )
            print(
                f"{head:<26} {'calendar ' if with_time else ''}{sample.fit_rows:>9,} rows "
                f"{metric} {rows[-1]['value']:.4f} trees {summary['trees']:>4} {seconds:6.1f}s",
                flush=True,
            )
    return rows


def budget_rows(curve: list[dict[str, object]], config: ModelConfig, tolerance: float = TOLERANCE) -> int:
    """The smallest sample whose metric is within ``tolerance`` of the largest sample's, for every head."""
    metric_rows = [row for row in curve if row["model"] == config.name and not row["calendar"]]
    _, higher = metric_of(config)
    largest = max(row["fit_rows"] for row in metric_rows)
    best = {row["head"]: row["value"] for row in metric_rows if row["fit_rows"] == largest}
    for rows in sorted({row["fit_rows"] for row in metric_rows}):
        at = [row for row in metric_rows if row["fit_rows"] == rows]
        close = all(
            (best[row["head"]] - row["value"] if higher else row["value"] - best[row["head"]]) <= tolerance
            for row in at
        )
        if close:
            return rows
    return largest


def markdown(curve: list[dict[str, object]]) -> str:
    lines = [
        "| head | inputs | fit rows | clients | test rows | test metric | value | oracle AUC | seconds | trees |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in curve:
        oracle = row["oracle_auc"] if row["oracle_auc"] is not None else row["oracle_macro_f1"]
        oracle_cell = "–" if oracle is None else f"{oracle:.4f}"
        if row["metric"] == "log_loss" and row["macro_f1"] is not None:
            oracle_cell += f" (macro-F1 {row['macro_f1']:.4f})"
        lines.append(
            f"| {row['head']} | {'with calendar' if row['calendar'] else 'no calendar'} | {row['fit_rows']:,} "
            f"| {row['clients']:,} | {row['test_rows']:,} | {row['metric']} | {row['value']:.4f} | {oracle_cell} "
            f"| {row['seconds']:.1f} | {row['trees']} |"
        )
    return "\n".join(lines)


def plot(curve: list[dict[str, object]]) -> bytes:
    """Test metric against training rows per head (log scale), the oracle's AUC dashed where known."""
    heads = list(dict.fromkeys(row["head"] for row in curve))
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for head in heads:
        points = sorted((r for r in curve if r["head"] == head and not r["calendar"]), key=lambda r: r["fit_rows"])
        axis = axes[1] if points[0]["metric"] == "log_loss" else axes[0]
        line = axis.plot([r["fit_rows"] for r in points], [r["value"] for r in points], marker="o", label=head)[0]
        if points[-1]["oracle_auc"] is not None:
            axis.axhline(points[-1]["oracle_auc"], color=line.get_color(), linestyle=":", linewidth=1)
    axes[0].set(xscale="log", xlabel="training rows (fitting dates)", ylabel="test AUC", title="Binary heads")
    axes[0].legend(fontsize=7)
    axes[1].set(xscale="log", xlabel="training rows (fitting dates)", ylabel="test log-loss", title="Tiering")
    fig.suptitle("Learning curves (dotted: the oracle's AUC on the same rows)")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description="Learning curves over a materialized state.")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--png", type=Path, help="write the plot here")
    parser.add_argument("--calendar", action="store_true", help="also train on all rows with the calendar")
    parser.add_argument("--models", nargs="*", help="only these models")
    parser.add_argument("--sizes", nargs="*", help="only these sample sizes (rows, or 'all'); default every size")
    args = parser.parse_args()
    oracle = _oracle()
    configs = [c for c in active_configs() if not args.models or c.name in args.models]
    wanted = None if not args.sizes else [None if size == "all" else int(size) for size in args.sizes]
    curve = []
    for config in configs:
        curve.extend(curve_of(config, args.calendar, oracle, wanted))
        if args.json:
            args.json.write_text(json.dumps(curve, indent=2, default=float))
    print(markdown(curve))
    for config in configs:
        print(f"{config.name}: budget {budget_rows(curve, config):,} rows (within {TOLERANCE} of the largest sample)")
    if args.png:
        args.png.write_bytes(plot(curve))


if __name__ == "__main__":
    main()
