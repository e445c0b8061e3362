"""The Definitions load, and the asset graph is the one the design describes."""

import dagster as dg

from orchestration.definitions import defs
from simulator import TABLES

# Landing tables the warehouse reads beyond the first six (produced by the simulator once it has them).
NEW_TABLES = [
    t
    for t in (
        "bank_transfers",
        "product_orders",
        "service_interactions",
        "campaigns",
        "campaign_contacts",
        "do_not_contact",
    )
    if t not in TABLES
]

EXPECTED_ASSETS = {
    *(f"landing/{table}" for table in TABLES),
    *(f"stg_landing__{table}" for table in TABLES),
    *(f"landing/{table}" for table in NEW_TABLES),
    *(f"stg_landing__{table}" for table in NEW_TABLES),
    "int_client_flows_daily",
    "int_transcript_need_mentions",
    "mart_intent_labels",
    "mart_campaign_outcomes",
    "int_client_activity_daily",
    "int_as_of_dates",
    "int_client_activity_windows",
    "int_client_as_of",
    "mart_client_features",
    "int_market_daily",
    "mart_client_daily_events",
    "mart_client_tags_long",
    "mart_client_tags_wide",
    "mart_client_tiers",
    "mart_client_audience",
    "mart_service_matrix",
    "mart_products",
    "mart_client_suitability",
    "mart_churn_labels",
    "mart_tier_labels",
    "features/feast_registry",
    "features/online_store",
    "serving/client_scores",
    "serving/lead_list",
    "serving/lead_conversion",
    "serving/segment_audience",
    "serving/segment_membership",
    *(
        f"models/{m}_{p}"
        for m in ("churn", "intent", "tiering")
        for p in ("training_set", "model", "onnx", "registered")
    ),
}


def _graph():
    return defs.resolve_asset_graph()


def test_asset_graph_snapshot():
    keys = {key.to_user_string() for key in _graph().get_all_asset_keys()}
    assert keys == EXPECTED_ASSETS


def test_lineage_runs_from_landing_to_the_model_store():
    graph = _graph()
    upstream = graph.get(dg.AssetKey(["models", "churn_registered"]))
    seen, frontier = set(), [upstream.key]
    while frontier:
        key = frontier.pop()
        seen.add(key)
        frontier.extend(parent for parent in graph.get(key).parent_keys if parent not in seen)
    for table in ("clients", "asset_snapshots", "app_events", "trades", "risk_assessments"):
        assert dg.AssetKey(["landing", table]) in seen, table


def test_every_landing_table_has_a_blocking_contract_check_and_row_reconciliation():
    graph = _graph()
    check_keys = graph.asset_check_keys
    for table in TABLES:
        for name in ("contract", "rows_reconcile"):
            key = dg.AssetCheckKey(dg.AssetKey(["landing", table]), name)
            assert key in check_keys
            assert graph.get_check_spec(key).blocking


def test_dbt_tests_and_parity_are_asset_checks():
    names = {(key.asset_key.to_user_string(), key.name) for key in _graph().asset_check_keys}
    assert ("models/churn_onnx", "parity") in names
    assert any(asset == "mart_churn_labels" and "accepted_values" in name for asset, name in names)


def test_groups():
    graph = _graph()
    groups = {key.to_user_string(): graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert groups["landing/clients"] == "landing"
    assert groups["mart_client_features"] == "warehouse"
    assert groups["features/online_store"] == "features"
    assert groups["models/churn_registered"] == "models"


def test_dagster_loads_the_code_location(tmp_path):
    """What `dagster dev` and the UI do: load the module as a code location and validate it."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-m", "orchestration.definitions"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Validation successful" in result.stdout + result.stderr
