"""The report printed after a run: rows per layer, checks, model metrics, where things are."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dagster import AssetCheckSeverity, ExecuteInProcessResult

from models.config import CHURN
from orchestration.advice import advice_for, failure_message
from orchestration.defs.models.keys import model_asset_key
from wealthpulse.settings import Settings


@dataclass(frozen=True)
class Report:
    text: str
    ok: bool


def _value(metadata: dict, key: str):
    entry = metadata.get(key)
    return getattr(entry, "value", entry)


def row_count(key: str, metadata: dict) -> int | None:
    """The rows an asset's line reports: a landing table's over all its days (its `rows` are the run's days
    only), a table's or training set's, or the clients of the online store and the segments."""
    keys = ("landed_rows",) if key.startswith("landing/") else ("rows", "dagster/row_count", "clients")
    for name in keys:
        value = _value(metadata, name)
        if value is not None:
            return int(value)
    return None


def _section(key: str, metadata: dict) -> str:
    """What the rows of an asset count, said once above the assets that count alike."""
    if key.startswith("landing/"):
        return "landing: rows landed over all days, accepted + quarantined"
    if key.startswith("features/"):
        return f"online store: clients written for {_value(metadata, 'as_of_date') or 'the newest day'}"
    if key.startswith("models/"):
        return "training sets: labelled (client, as-of day) rows, all days"
    if key.startswith("serving/"):
        day = _value(metadata, "date")
        return f"scores and leads: rows of {day}" if day else "segments: clients"
    return "warehouse: rows in each table, all days"


def rows_by_section(materialized: dict[str, dict]) -> dict[str, list[tuple[str, int]]]:
    """The reported rows under what they count, in the order the assets were materialized."""
    sections: dict[str, list[tuple[str, int]]] = {}
    for key, metadata in materialized.items():
        rows = row_count(key, metadata)
        if rows is not None:
            sections.setdefault(_section(key, metadata), []).append((key, rows))
    return sections


def build_report(
    results: list[ExecuteInProcessResult],
    settings: Settings,
    seconds: float,
    ui_port: int,
    api_port: int,
    stage_times: list[dict] | None = None,
    log_path: Path | None = None,
) -> Report:
    """The report of a `wealthpulse run`: its runs in order (the rebuild, then the day's leads), with the
    time of each stage and where the full log is when the run recorded them."""
    materialized: dict[str, dict] = {}
    checks = []
    for result in results:
        for event in result.get_asset_materialization_events():
            materialization = event.event_specific_data.materialization
            materialized[materialization.asset_key.to_user_string()] = dict(materialization.metadata)
        checks += result.get_asset_check_evaluations()
    success = all(result.success for result in results)
    failed_checks = [c for c in checks if not c.passed and c.severity != AssetCheckSeverity.WARN]
    warnings = [c for c in checks if not c.passed and c.severity == AssetCheckSeverity.WARN]

    lines = [f"\nwealthpulse run {'finished' if success else 'FAILED'} in {seconds:.0f}s", ""]
    if stage_times:
        lines.append("Stage times:")
        for stage in stage_times:
            rows = f"{stage['rows']:>12,} rows" if stage.get("rows") is not None else ""
            lines.append(f"  {stage['label']:<24} {stage['seconds']:>8.1f} s  {stage['status']:<8} {rows}".rstrip())
        lines.append("")
    lines.append("Rows per layer:")
    for section, rows in rows_by_section(materialized).items():
        lines.append(f"  {section}:")
        lines += [f"    {key:<40} {count:>12,}" for key, count in rows]
    lines.append("")
    passed = len(checks) - len(failed_checks) - len(warnings)
    lines.append(f"Checks: {passed} passed, {len(failed_checks)} failed, {len(warnings)} warnings")
    for check in failed_checks:
        lines.append(f"  FAILED {check.asset_key.to_user_string()}:{check.check_name} {check.description or ''}")
    for check in warnings:
        lines.append(f"  WARNING {check.asset_key.to_user_string()}:{check.check_name} {check.description or ''}")
    model = materialized.get(model_asset_key(CHURN, "model").to_user_string(), {})
    if model:
        lines.append(
            f"Churn model: test AUC {_value(model, 'test_auc'):.3f}, PR-AUC {_value(model, 'test_pr_auc'):.3f}, "
            f"top-decile lift {_value(model, 'test_top_decile_lift'):.1f}x"
        )
    registered = materialized.get(model_asset_key(CHURN, "registered").to_user_string(), {})
    if registered:
        lines.append(f"Registered: {_value(registered, 'tag')} in {settings.bentoml_home}")
    for result in (r for r in results if not r.success):
        for event in result.all_events:
            if event.is_failure:
                message = failure_message(event) if event.is_step_failure else []
                lines.append(f"  step {event.step_key} failed: {message[0] if message else event.message}")
                lines += [f"    {line}" for line in message[1:]]
                if event.step_key:
                    lines.append(f"    what to do: {advice_for(event.step_key)}")
    lines += ["", f"State:  {settings.home}"]
    if log_path is not None:
        lines.append(f"Log:    {log_path} (everything the libraries printed)")
    if results:
        runs = ", ".join(f"{result.job_def.name} {result.run_id}" for result in results)
        lines.append(f"Runs:   {runs} (every step's log: make ui, then Runs)")
    lines += [
        f"UI:     make ui     then open http://127.0.0.1:{ui_port}",
        f"API:    make serve  (prints an API key), then curl -X POST http://127.0.0.1:{api_port}/score "
        '-H "Authorization: Bearer $KEY" -H \'Content-Type: application/json\' -d \'{"client_ids": ["C0000001"]}\'',
    ]
    return Report(text="\n".join(lines), ok=success and not failed_checks)
