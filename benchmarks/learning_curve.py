"""The learning curve that sets each model's training budget: test metric against training rows.

    WEALTHPULSE_HOME=... uv run --frozen python -m benchmarks.learning_curve [--models M ...] [--heads H ...]
        [--sizes N ... all] [--calendar] [--out DIR] [--json out.json]

On a materialized state (``wealthpulse run`` first), each head is trained on nested samples of whole
clients (``models/budget.py``: 25k, 50k, 100k, ... label rows on the fitting dates, and all of them) and
graded on every row of the test dates, beside the oracle on the same rows. The metric is test AUC for the
binary heads and test log-loss for tiering (macro-F1 beside it). A sample of the joined training set is
the sample the nightly takes before its point-in-time read: each row's join is its own.

``--calendar`` also trains each head on all rows with the calendar (``as_of_epoch`` and the other points
in time, ``models/inputs.py``) as an input, the way the models were trained before, for the before/after
table. The budget of a model is the smallest sample whose metric is within ``TOLERANCE`` of the largest
sample's, for every head of the model (``budget_rows``).

Each model's curve is written to the state's learning-curve folder (``Settings.learning_curve_dir``, or
``--out``) as ``<model>.json`` and ``<model>.png`` (``models/learning_curve.py``): the model card shows it
from there the next time the model is trained. Heads measured again replace their rows; the others stay.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

from wealthpulse.settings import Settings, export_tool_environment

SETTINGS = Settings.from_env()
export_tool_environment(SETTINGS)

import pandas as pd  # noqa: E402

from models.artifacts import ModelArtifacts  # noqa: E402
from models.budget import sample_labels  # noqa: E402
from models.config import ModelConfig, active_configs  # noqa: E402
from models.fit import fit_one_head  # noqa: E402
from models.inputs import model_inputs  # noqa: E402
from models.learning_curve import TOLERANCE, budget_rows, curve_paths, read_curve, write_curve  # noqa: E402
from models.training import time_split  # noqa: E402

SIZES = (25_000, 50_000, 100_000, 200_000, 400_000, 800_000)


def metric_of(config: ModelConfig) -> str:
    """The metric a curve follows: AUC (higher is better) or log-loss (lower is)."""
    return "auc" if config.task == "binary" else "log_loss"


def _oracle() -> pd.DataFrame | None:
    path = SETTINGS.oracle_file
    return pd.read_parquet(path) if path.exists() else None


def curve_of(
    config: ModelConfig,
    calendar: bool,
    oracle: pd.DataFrame | None,
    wanted: list[int | None] | None = None,
    heads: list[str] | None = None,
    measured: Callable[[dict[str, object]], None] = lambda row: None,
) -> list[dict[str, object]]:
    """One row per (sample size, head): rows, clients, the test metric, the oracle's, seconds; each row
    is handed to ``measured`` as soon as it is, so a long run keeps what it has measured."""
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
    metric = metric_of(config)
    rows = []
    runs = [(size, inputs, False) for size in sizes]
    if calendar:
        runs.append((None, with_calendar, True))
    for size, names, with_time in runs:
        sample = sample_labels(frame, config, size)
        split = time_split(sample.labels, config)
        for head in config.heads:
            if heads and head not in heads:
                continue
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
            measured(rows[-1])
    return rows


def markdown(curve: list[dict[str, object]]) -> str:
    lines = [
        "| head | inputs | fit rows | clients | test rows | metric | value | macro-F1 | oracle AUC | seconds | trees |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]

    def cell(value: object) -> str:
        return "–" if value is None else f"{float(value):.4f}"

    for row in curve:
        lines.append(
            f"| {row['head']} | {'with calendar' if row['calendar'] else 'no calendar'} | {row['fit_rows']:,} "
            f"| {row['clients']:,} | {row['test_rows']:,} | {row['metric']} | {row['value']:.4f} "
            f"| {cell(row['macro_f1'])} | {cell(row['oracle_auc'])} | {row['seconds']:.1f} | {row['trees']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description="Learning curves over a materialized state.")
    parser.add_argument("--json", type=Path, help="also write this run's figures here")
    parser.add_argument("--out", type=Path, help="write each model's curve here, not in the state's folder")
    parser.add_argument("--calendar", action="store_true", help="also train on all rows with the calendar")
    parser.add_argument("--models", nargs="*", help="only these models")
    parser.add_argument("--heads", nargs="*", help="only these heads (of the models chosen)")
    parser.add_argument("--sizes", nargs="*", help="only these sample sizes (rows, or 'all'); default every size")
    args = parser.parse_args()
    configs = [c for c in active_configs() if not args.models or c.name in args.models]
    unknown = sorted(set(args.models or ()) - {c.name for c in configs})
    unknown += sorted(set(args.heads or ()) - {head for c in configs for head in c.heads})
    if unknown:
        raise SystemExit(f"no model or head named {', '.join(unknown)} among the chosen models")
    folder = args.out or SETTINGS.learning_curve_dir
    oracle = _oracle()
    wanted = None if not args.sizes else [None if size == "all" else int(size) for size in args.sizes]
    curve = []
    for config in configs:

        def measured(row: dict[str, object], name: str = config.name) -> None:
            # Written after each fit, so a long run leaves what it measured so far.
            curve.append(row)
            write_curve(folder, name, [row])
            if args.json:
                args.json.write_text(json.dumps(curve, indent=2, default=float))

        if curve_of(config, args.calendar, oracle, wanted, args.heads, measured):
            whole = read_curve(folder, config.name)
            print(
                f"{config.name}: written to {curve_paths(folder, config.name)[0]}; budget "
                f"{budget_rows(whole.rows):,} rows (within {TOLERANCE} of the largest sample measured)",
                flush=True,
            )
    print(markdown(curve))


if __name__ == "__main__":
    main()
