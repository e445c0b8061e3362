"""What a feature group adds, measured on a materialized state: each binary head retrained without the
group (``ablation_prefixes`` in ``models/config.py``, today the intent heads' transcript mentions), test AUC
with and without it on every test row and on the rows where it can matter.

    WEALTHPULSE_HOME=... uv run --frozen python -m benchmarks.ablation [--json out.json]

Transcript mentions can only move a score where the client spoke to the firm, so beside all test rows the
AUC is also taken on the rows whose client had a call or chat in the 30 days before the as-of date
(``interaction_count_30d > 0``: the calls and chats of the client's feature row at the as-of date, as the
point-in-time join gives it, so the subset uses only what was known then) and on the others, each AUC
added with a 95 % paired-bootstrap interval (``models/ablation.py``). The full head is the one
``wealthpulse run`` stored (its calibration is monotone, so its AUC is the uncalibrated booster's); only
the head without the group is trained here, on the same split. An experiment, so it runs here and not
in every nightly run.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from wealthpulse.settings import Settings, export_tool_environment

SETTINGS = Settings.from_env()
export_tool_environment(SETTINGS)

from models.ablation import ALL_ROWS, feature_group_ablation  # noqa: E402
from models.artifacts import ModelArtifacts  # noqa: E402
from models.config import ModelConfig, active_configs  # noqa: E402
from models.training import feature_matrix, predict, time_split  # noqa: E402

# Calls and chats with an advisor in the 30 days before the as-of date.
CONTACT_FEATURE = "interaction_count_30d"
CONTACTED, NOT_CONTACTED = "contacted_30d", "not_contacted_30d"


def ablate_config(artifacts_dir: Path, config: ModelConfig) -> list[dict[str, object]]:
    """Per head and feature group of a binary config: AUC with and without the group, by rows."""
    store = ModelArtifacts.of(artifacts_dir, config.name)
    split = time_split(store.read_training_set(), config)
    if CONTACT_FEATURE not in split.test.columns:
        raise SystemExit(f"the {config.name} training set lacks {CONTACT_FEATURE!r}: the contact subset needs it")
    contacted = (split.test[CONTACT_FEATURE].fillna(0) > 0).to_numpy()
    results = []
    for head, label in config.heads.items():
        feature_names = store.summary(head)["feature_names"]
        with_scores = predict(store.booster(head), feature_matrix(split.test, feature_names))
        for prefix in config.ablation_prefixes:
            started = time.perf_counter()
            result = feature_group_ablation(
                split,
                feature_names,
                config,
                label,
                prefix,
                with_scores=with_scores,
                subsets={CONTACTED: contacted, NOT_CONTACTED: ~contacted},
            )
            results.append({"head": head, **result, "seconds": time.perf_counter() - started})
    return results


def _cell(value: float | None, sign: bool = False) -> str:
    if value is None:
        return "–"
    return f"{value:+.4f}" if sign else f"{value:.4f}"


def markdown(results: list[dict[str, object]]) -> str:
    lines = [
        "| head | without | rows | test rows | positives | AUC with | AUC without | AUC added | 95 % interval |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        for part in (ALL_ROWS, CONTACTED, NOT_CONTACTED):
            row = result["rows"][part]
            interval = row.get("auc_added_interval")
            interval_cell = "–" if interval is None else f"{interval[0]:+.4f} to {interval[1]:+.4f}"
            lines.append(
                f"| {result['head']} | {result['prefix']}* ({len(result['dropped'])}) | {part} | {row['rows']:,} "
                f"| {row['positives']:,} | {_cell(row['auc_with'])} | {_cell(row['auc_without'])} "
                f"| {_cell(row['auc_added'], sign=True)} | {interval_cell} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description="Feature-group ablations over a materialized state.")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    configs = [c for c in active_configs() if c.task == "binary" and c.ablation_prefixes]
    results = [row for config in configs for row in ablate_config(SETTINGS.artifacts_dir, config)]
    print(markdown(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=float))


if __name__ == "__main__":
    main()
