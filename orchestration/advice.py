"""What to do when a step fails, by the layer it belongs to: said by the run report and the
run-failure sensor alike."""

ADVICE = {
    "landing": (
        "A landing file broke its contract or could not be read: the contract check names the file and the "
        "reason, and rows it refused are in quarantine/<table>/. Fix or re-export the file, then re-run."
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


def layer_of(step_key: str) -> str | None:
    """The layer of a step: op names are the asset key joined by `__` (the dbt and landing steps are named)."""
    head = step_key.split("__", 1)[0]
    named = {"simulate_export": "landing", "landing_files": "landing", "warehouse_models": "warehouse"}
    return named.get(head, head if head in ADVICE else None)


def advice_for(step_key: str) -> str:
    layer = layer_of(step_key)
    return ADVICE[layer] if layer else GENERIC
