"""The label marts measure the events the simulator's oracle gives probabilities of.

A small simulated brokerage goes through the real dbt project (staging to the label marts); the
labels are then compared with what only the simulation knows: each client's exit day (churn) and
the oracle's mean probability of each need (intent). If a label measured another event, the oracle
would no longer be an upper bound for the models graded against it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulator import simulate_to_disk
from simulator.schema import SCHEMAS
from simulator.state import UNDECIDED

ROOT = Path(__file__).resolve().parents[2]
CLIENTS, DAYS, SEED = 1_500, 150, 11
NEEDS = ("equity_fund", "fixed_income", "margin_financing", "options", "advisory", "transfer_in")


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("labels-home")
    simulate_to_disk(CLIENTS, DAYS, SEED, home / "landing", oracle_dir=home / "oracle", progress=False)
    keys = home / "quarantine" / "_quarantined_keys"
    keys.mkdir(parents=True)
    for table in SCHEMAS:  # nothing quarantined: every landing row reaches staging
        pd.DataFrame({"_source_file": pd.Series([], dtype=str), "_row": pd.Series([], dtype="int64")}).to_parquet(
            keys / f"{table}.parquet", index=False
        )
    (home / "warehouse").mkdir()
    (home / "marts").mkdir()
    dbt = Path(sys.executable).parent / "dbt"
    result = subprocess.run(
        [
            str(dbt),
            "run",
            "--project-dir",
            str(ROOT / "dbt_project"),
            "--profiles-dir",
            str(ROOT / "dbt_project"),
            "--target-path",
            str(home / "dbt-target"),
            "--log-path",
            str(home / "dbt-logs"),
            "--select",
            "+mart_churn_labels",
            "+mart_intent_labels",
        ],
        env={**os.environ, "WEALTHPULSE_HOME": str(home), "DBT_SEND_ANONYMOUS_USAGE_STATS": "False"},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return home


def _day(dates: pd.Series) -> np.ndarray:
    return (pd.to_datetime(dates) - pd.Timestamp("2025-06-01")).dt.days.to_numpy()


def test_churn_label_is_the_exit_the_oracle_predicts(home: Path):
    labels = pd.read_parquet(home / "marts" / "churn_labels.parquet")
    state = np.load(home / "landing" / "_state" / "chunk-00000.npz")
    exit_day = state["churn_day"].astype(np.int64)
    index = labels["client_id"].str[1:].astype(int).to_numpy() - 1
    day = _day(labels["as_of_date"])
    exited = ((exit_day[index] != UNDECIDED) & (exit_day[index] > day) & (exit_day[index] <= day + 60)).astype(int)
    assert exited.sum() >= 100, "too few exits to compare: enlarge the simulation"
    # Exact, not a share: on its exit day a client keeps at most drift_floor * residual <= 0.9 * 0.12
    # of its assets, under the label's 20%, and before it at least the drift floor (>= 0.55; see
    # simulator/churn.py draw_decay). Only a market that took 80% off a portfolio, or nearly doubled a
    # residual, within 60 days could make the two differ, and the simulated market moves far less.
    disagree = labels.loc[labels["churned_60d"].to_numpy() != exited, ["client_id", "as_of_date", "churned_60d"]]
    assert disagree.empty, disagree
    oracle = pd.read_parquet(home / "oracle" / "oracle.parquet")
    oracle["as_of_date"] = pd.to_datetime(oracle["as_of_date"]).dt.date
    labels["as_of_date"] = pd.to_datetime(labels["as_of_date"]).dt.date
    joined = labels.merge(oracle, on=["client_id", "as_of_date"], validate="one_to_one")
    assert len(joined) == len(labels)
    assert joined["churned_60d"].mean() == pytest.approx(joined["p_churn_60d"].mean(), rel=0.15)


@pytest.mark.parametrize("need", NEEDS)
def test_intent_label_rate_matches_the_oracle(home: Path, need: str):
    labels = pd.read_parquet(home / "marts" / "intent_labels.parquet")
    oracle = pd.read_parquet(home / "oracle" / "oracle.parquet")
    for frame in (labels, oracle):
        frame["as_of_date"] = pd.to_datetime(frame["as_of_date"]).dt.date
    joined = labels.merge(oracle, on=["client_id", "as_of_date"], validate="one_to_one")
    assert len(joined) == len(labels)
    realized, expected = joined[f"need_{need}_30d"].mean(), joined[f"p_{need}_30d"].mean()
    # Sampling noise at this size is a few percent; a label measuring another event is off by more.
    assert realized == pytest.approx(expected, rel=0.2), (need, realized, expected)
