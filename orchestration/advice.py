"""What to do when a step fails, by the layer it belongs to: said by the run report and the
run-failure sensor alike."""

from __future__ import annotations

from dagster import DagsterEvent

ADVICE = {
    "landing": (
        "A landing file broke its contract as a whole or a day has not landed in every daily table: the message "
        "above names each table, file and fault. Have the brokerage export the file again to the same path (or "
        "the missing table), then rebuild the day (`make rebuild FROM=<day> TO=<day>`): the quarantine of a "
        "replaced file clears on that run. Rows refused one by one do not stop a run; they are in "
        "quarantine/<table>/ with their reason."
    ),
    "warehouse": (
        "A dbt model or test failed: the step's log names it. Inspect it with `uv run dbt build --select <model>` "
        "in dbt_project/ (WEALTHPULSE_HOME set), fix the model or the data, then re-run; the build resumes by day."
    ),
    "features": (
        "Feast could not apply the repo or materialize: check features/feature_store.yaml and that the marts "
        "exist (the warehouse step before it), then re-run. Locks were already retried."
    ),
    "models": (
        "Training, evaluation or the ONNX parity gate failed: the champion in the model store keeps serving. "
        "The model card and summary.json under artifacts/ say which head and why; fix, then re-run."
    ),
    "serving": (
        "The lead list or a segment failed: a blocking check (suitability, reconciliation) stops what follows. "
        "Its metadata names the rows; fix the rule or the data, then re-run the day (`make backfill`)."
    ),
}
GENERIC = "Read the failed step's log in the Dagster UI, fix the cause, then re-run (re-runs are safe)."
# The lines of a step's error that an alert and the run report repeat: a landing message names every file.
MESSAGE_LINES = {"landing": 40}
FAILURE_PREFIX = "dagster._core.definitions.events.Failure: "


def layer_of(step_key: str) -> str | None:
    """The layer of a step: op names are the asset key joined by `__` (the dbt and landing steps are named)."""
    head = step_key.split("__", 1)[0]
    named = {"simulate_export": "landing", "landing_files": "landing", "warehouse_models": "warehouse"}
    return named.get(head, head if head in ADVICE else None)


def advice_for(step_key: str) -> str:
    layer = layer_of(step_key)
    return ADVICE[layer] if layer else GENERIC


def failure_message(event: DagsterEvent) -> list[str]:
    """The user's words of a failed step (the innermost error, not Dagster's wrapper): its first line, or
    for a landing step every line, since each names a file and its fault."""
    data = event.event_specific_data
    if data is not None and getattr(data, "user_failure_data", None) is not None and data.user_failure_data.description:
        text = data.user_failure_data.description
    else:
        error = getattr(data, "error", None)
        while error is not None and error.cause is not None:
            error = error.cause
        text = error.message if error else event.message or ""
    lines = text.strip().removeprefix(FAILURE_PREFIX).splitlines()
    return lines[: MESSAGE_LINES.get(layer_of(event.step_key or "") or "", 1)]
