"""The segment catalog: the shipped one compiles against the tag catalog, and a bad entry is an error naming it."""

from __future__ import annotations

import pytest

from orchestration.defs.serving.tag_catalog import catalog_tags
from serving.segments import vocabulary
from serving.segments.catalog import SegmentCatalogError, load_segments

VOCABULARY = vocabulary(catalog_tags())


def test_the_shipped_catalog_compiles_against_the_tag_catalog():
    segments = load_segments(VOCABULARY)
    names = [segment.name for segment in segments]
    assert len(names) >= 5 and len(set(names)) == len(names)
    assert {"high_value_churn_risk", "fixed_income_prospects", "dormant_t1_reactivation"} <= set(names)
    for segment in segments:
        assert segment.description and segment.owner and segment.sql.startswith("(")


def test_the_tag_catalog_is_read_in_full():
    tags = catalog_tags()
    assert len(tags) >= 100 and {"dormant", "holds_fund", "cash_heavy"} <= set(tags)


GOOD = "  - name: ok\n    description: fine\n    owner: crm\n    expression: dormant\n"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            GOOD + "  - name: churners\n    description: d\n    owner: crm\n    expression: churn_60 > 0.5\n",
            "segment 'churners': unknown identifier 'churn_60'; did you mean 'churn_60d'?",
        ),
        (
            GOOD + "  - name: broken\n    description: d\n    owner: crm\n    expression: (dormant or\n",
            "segment 'broken': expected a tag or a field name but found the end of the expression",
        ),
        (
            GOOD + "  - name: t9\n    description: d\n    owner: crm\n    expression: tier = 'T9'\n",
            "segment 't9': 'T9' is not a tier",
        ),
        (
            GOOD + "  - name: no_owner\n    description: d\n    expression: dormant\n",
            "segment 'no_owner': 'owner' is missing",
        ),
        (GOOD + GOOD, "segment 'ok' is declared twice"),
        (
            GOOD + "  - name: Bad-Name\n    description: d\n    owner: crm\n    expression: dormant\n",
            "segment 'Bad-Name': the name must be lower_snake_case",
        ),
        (
            GOOD + "  - name: extra\n    description: d\n    owner: crm\n    expression: dormant\n    sql: x\n",
            "segment 'extra': unknown key(s) ['sql']",
        ),
        (GOOD + "  - just text\n", "segment #2 must be a mapping"),
        ("segment: []\n", "needs a top-level list 'segments'"),
        ("segments: [\n", "is not valid YAML"),
    ],
)
def test_a_bad_entry_is_an_error_naming_the_segment(tmp_path, body, message):
    path = tmp_path / "segments.yml"
    path.write_text(body if body.startswith(("segment:", "segments: [")) else "segments:\n" + body)
    with pytest.raises(SegmentCatalogError) as raised:
        load_segments(VOCABULARY, path)
    assert message in str(raised.value)
