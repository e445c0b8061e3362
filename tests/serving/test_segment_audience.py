"""The audience table and segment membership, without Dagster: scores joined in full, files and counts agree."""

from __future__ import annotations

import pandas as pd
import pytest

from serving.segments import parse, vocabulary
from serving.segments.audience import COUNTS_FILE, build_audience, trend, write_membership
from serving.segments.catalog import Segment
from serving.segments.sql import to_sql
from tests.serving.test_segment_preview import CHURN, CLIENTS, INTENT

VOCABULARY = vocabulary(["dormant", "holds_fund"])


def _segment(name: str, expression: str) -> Segment:
    tree = parse(expression, VOCABULARY)
    return Segment(name, "d", "o", expression, tree, to_sql(tree, VOCABULARY))


def test_audience_has_every_score_and_tag():
    audience = build_audience(CLIENTS, CHURN, INTENT)
    assert len(audience) == 10 and audience["client_id"].is_unique
    assert {"churn_60d", "intent_fixed_income", "tag_dormant", "risk_level_code"} <= set(audience.columns)
    assert audience.set_index("client_id").loc["C0000010", "churn_60d"] == 0.95


def test_a_client_without_a_score_is_an_error_not_a_silent_drop():
    with pytest.raises(ValueError, match=r"1 client\(s\) have no batch score, e\.g\. \['C0000010'\]"):
        build_audience(CLIENTS, CHURN.iloc[:9], INTENT)
    with pytest.raises(ValueError, match=r"lack the need\(s\) \['options'\]"):
        build_audience(CLIENTS, CHURN, INTENT[INTENT["need"] != "options"])


def test_membership_files_and_counts(tmp_path):
    path = tmp_path / "audience.parquet"
    build_audience(CLIENTS, CHURN, INTENT).to_parquet(path, index=False)
    segments = [_segment("dormant_t1", "dormant and tier = 'T1'"), _segment("nobody", "tier = 'T5' and tier = 'T1'")]
    result = write_membership(path, segments, tmp_path / "out")
    assert [(m.segment, m.members, m.audience) for m in result] == [("dormant_t1", 2, 10), ("nobody", 0, 10)]
    assert pd.read_parquet(tmp_path / "out" / "dormant_t1.parquet")["client_id"].tolist() == ["C0000001", "C0000002"]
    counts = pd.read_parquet(tmp_path / "out" / COUNTS_FILE)
    assert counts["members"].tolist() == [2, 0] and counts["share"].tolist() == [0.2, 0.0]
    assert not list((tmp_path / "out").glob("*.tmp"))


def test_trend_against_the_previous_materialization():
    assert trend({"a": 5, "b": 3}, {"a": 7}) == {"a": -2, "b": None}
    assert trend({"a": 5}, None) == {"a": None}
