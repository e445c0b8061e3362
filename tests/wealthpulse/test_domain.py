"""The Python vocabulary and the warehouse's spell the same needs and tiers."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import yaml

from wealthpulse.domain import NEEDS, RISK_LEVELS, RISK_RATINGS, TIERS

DBT = Path(__file__).resolve().parents[2] / "dbt_project"


def macro_return(file: Path, macro: str) -> object:
    """The literal a dbt macro returns (``{{ return([...]) }}``), read as Python."""
    text = file.read_text()
    body = re.search(r"{%\s*macro\s+" + macro + r"\(\)\s*%}(.*?){%\s*endmacro\s*%}", text, re.S)
    assert body, f"macro {macro} not found in {file}"
    literal = re.search(r"return\((.*)\)\s*}}", body.group(1), re.S)
    return ast.literal_eval(literal.group(1).strip())


def test_needs_match_the_dbt_macro():
    assert tuple(macro_return(DBT / "macros" / "needs.sql", "need_codes")) == NEEDS


def test_every_need_with_keywords_is_a_need():
    assert set(macro_return(DBT / "macros" / "needs.sql", "need_keywords")) == set(NEEDS)
    assert set(macro_return(DBT / "macros" / "needs.sql", "need_product_types")) <= set(NEEDS)


def test_tiers_match_the_warehouse_thresholds():
    # tiers.sql names a tier 'T<n>' for each threshold it passes, and T<thresholds + 1> above them all.
    thresholds = yaml.safe_load((DBT / "dbt_project.yml").read_text())["vars"]["tier_thresholds"]
    assert TIERS == tuple(f"T{n}" for n in range(1, len(thresholds) + 2))
    assert "'T{{ loop.index }}'" in (DBT / "macros" / "tiers.sql").read_text()


def test_risk_scales_pair_level_k_with_rating_k():
    assert [level[1:] for level in RISK_LEVELS] == [rating[1:] for rating in RISK_RATINGS] == ["1", "2", "3", "4", "5"]
