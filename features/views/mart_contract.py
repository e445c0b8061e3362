"""Names of the generated columns of mart_client_features, read from the dbt project's vars.

dbt builds <metric>_<days>d for every metric in vars.window_metrics and every window in
vars.feature_windows; reading the same lists here keeps the warehouse and the feature views in step.
"""

from pathlib import Path

import yaml

DBT_PROJECT = Path(__file__).resolve().parents[2] / "dbt_project" / "dbt_project.yml"


def _vars() -> dict:
    return yaml.safe_load(DBT_PROJECT.read_text())["vars"]


def windowed(group: str) -> list[str]:
    variables = _vars()
    return [
        f"{metric}_{days}d" for metric in variables["window_metrics"][group] for days in variables["feature_windows"]
    ]


def net_inflows() -> list[str]:
    days = _vars()["feature_windows"]
    return [f"net_inflow_{d}d" for d in days] + [f"net_inflow_to_aum_{d}d" for d in days]
