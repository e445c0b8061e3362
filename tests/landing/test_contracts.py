import pandas as pd
import pytest

from landing.contracts import CONTRACTS, validate_table


def _assessments() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "assessment_id": ["RA00000001", "RA00000002", "RA00000003"],
            "client_id": ["C0000001", "C0000002", "C0000003"],
            "risk_level": ["C1", "C3", "C5"],
            "assessed_at": pd.to_datetime(["2024-01-02", "2024-03-04", "2025-06-01"]),
            "dt": ["2025-06-01", "2025-06-01", "2025-06-02"],
        }
    )


def test_valid_table_passes():
    result = validate_table("risk_assessments", _assessments())
    assert result.passed
    assert result.rows == 3


def test_failures_name_column_reason_and_partition():
    frame = _assessments()
    frame.loc[2, "risk_level"] = "C9"
    frame.loc[1, "assessment_id"] = "bad-id"
    result = validate_table("risk_assessments", frame)
    assert not result.passed
    by_column = {row.column: row for row in result.failures.itertuples()}
    assert by_column["risk_level"].failure_case == "C9"
    assert by_column["risk_level"].dt == "2025-06-02"
    assert "isin" in by_column["risk_level"].check
    assert by_column["assessment_id"].failure_case == "bad-id"
    assert "risk_level" in result.summary()


def test_missing_column_fails():
    frame = _assessments().drop(columns=["risk_level"])
    result = validate_table("risk_assessments", frame)
    assert not result.passed
    assert "risk_level" in set(result.failures["failure_case"].astype(str))


def test_unknown_table_is_a_clear_error():
    with pytest.raises(KeyError, match="no contract for landing table"):
        validate_table("nope", _assessments())


def test_every_landing_table_has_a_contract():
    from landing.schema import TABLES

    assert set(CONTRACTS) == set(TABLES)


def test_duplicates_report_only_the_extra_copies():
    frame = pd.concat([_assessments(), _assessments().iloc[[1]]], ignore_index=True)
    result = validate_table("risk_assessments", frame)
    dupes = result.failures[result.failures["column"] == "assessment_id"]
    assert dupes["index"].tolist() == [3]


def test_new_tables_check_codes_and_ranges():
    transfers = pd.DataFrame(
        {
            "transfer_id": ["BT0000000001", "BT0000000002"],
            "client_id": ["C0000001", "C0000002"],
            "transferred_at": pd.to_datetime(["2025-06-01 10:00", "2025-06-01 11:00"]),
            "direction": ["in", "sideways"],
            "amount": [100.0, -5.0],
        }
    )
    failures = validate_table("bank_transfers", transfers).failures
    assert set(failures["column"]) == {"direction", "amount"}
    assert set(failures["index"]) == {1}
