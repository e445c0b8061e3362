import json
from datetime import date

import numpy as np
import pandas as pd
import pytest

from serving.batch import churn_of, intent_of, score_columns, score_table
from serving.scoring import Scorer
from tests.serving.test_scoring import synthetic_churn

DAY = date(2025, 11, 27)


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer({"churn": synthetic_churn()})


def _features() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "client_id": ["C1", "C2", "C3"],
            "signal": [2.0, np.nan, -2.0],
            "noise": [0.0, 0.5, 0.0],
            "weak": [0.0, 0.0, 0.0],
            "value_tier_code": [3.0, 1.0, np.nan],
        }
    )


def test_the_table_is_what_the_service_answers_for_the_same_rows(scorer):
    features = _features()
    table = score_table(scorer, features, DAY)
    assert table.columns.tolist() == score_columns()
    assert table["client_id"].tolist() == ["C1", "C2", "C3"] and (table["as_of_date"] == DAY).all()
    online = scorer.score_entries(
        features[scorer.inputs].to_numpy(dtype=np.float32), [0.0] * 3, features["client_id"].tolist()
    )
    assert table["churn_60d"].tolist() == [entry["churn_probability"] for entry in online]
    assert [json.loads(r) for r in table["reasons_churn"]] == [entry["reasons"]["churn"] for entry in online]
    assert json.loads(table.at[0, "reasons_churn"])[0]["feature"] == "signal"
    # No tiering or intent champion here: their columns are empty, not made up.
    assert table[["tier_90d", "intent_options", "top_need"]].isna().all().all()
    assert table["reasons_tiering"].tolist() == ["[]"] * 3


def test_pieces_and_threads_change_no_value(scorer):
    rng = np.random.default_rng(5)
    rows = 300
    features = pd.DataFrame(
        {
            "client_id": [f"C{i}" for i in range(rows)],
            "signal": np.where(rng.random(rows) < 0.1, np.nan, rng.normal(size=rows)),
            "noise": rng.normal(size=rows),
            "weak": rng.normal(size=rows),
            "value_tier_code": rng.integers(1, 6, size=rows).astype(float),
        }
    )
    whole = score_table(scorer, features, DAY, threads=1, chunk_rows=rows)
    # Pieces of one row take the row-by-row reason kernel, pieces of 64 the tree-major one.
    for threads, chunk_rows in ((2, 64), (2, 1), (3, 7)):
        pd.testing.assert_frame_equal(score_table(scorer, features, DAY, threads, chunk_rows), whole, check_exact=True)


def test_missing_inputs_and_repeated_clients_are_errors(scorer):
    with pytest.raises(ValueError, match="signal"):
        score_table(scorer, _features().drop(columns="signal"), DAY)
    with pytest.raises(ValueError, match="one feature row per client"):
        score_table(scorer, pd.concat([_features(), _features().head(1)]), DAY)


def test_long_intent_and_churn_from_a_table():
    table = pd.DataFrame(columns=score_columns())
    table["client_id"] = ["C1", "C2"]
    table["churn_60d"] = [0.1, 0.2]
    table["intent_options"] = [0.3, 0.4]
    table["intent_advisory"] = [0.5, 0.6]
    long = intent_of(table)
    assert set(long["need"]) == {"options", "advisory"}  # needs without a champion are left out
    assert long.set_index(["client_id", "need"]).at[("C2", "advisory"), "probability"] == 0.6
    assert churn_of(table)["churn_60d"].tolist() == [0.1, 0.2]
