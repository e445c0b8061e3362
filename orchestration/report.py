"""The report printed after a run: rows per layer, checks, model metrics, where things are."""

from __future__ import annotations

from dataclasses import dataclass

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


def build_report(
    results: list[ExecuteInProcessResult], settings: Settings, seconds: float, ui_port: int, api_port: int
) -> Report:
    """The report of a `wealthpulse run`: its runs in order (the rebuild, then the day's leads)."""
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

    lines = [f"\nwealthpulse run {'finished' if success else 'FAILED'} in {seconds:.0f}s", "", "Rows per layer:"]
    for key, metadata in materialized.items():
        rows = _value(metadata, "rows")
        if rows is None:
            rows = _value(metadata, "dagster/row_count")
        if rows is None:
            rows = _value(metadata, "clients")
        if rows is not None:
            lines.append(f"  {key:<40} {int(rows):>12,}")
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
    lines += [
        "",
        f"State:  {settings.home}",
        f"UI:     make ui     then open http://127.0.0.1:{ui_port}",
        f"API:    make serve  (prints an API key), then curl -X POST http://127.0.0.1:{api_port}/score "
        '-H "Authorization: Bearer $KEY" -H \'Content-Type: application/json\' -d \'{"client_ids": ["C0000001"]}\'',
    ]
    return Report(text="\n".join(lines), ok=success and not failed_checks)
