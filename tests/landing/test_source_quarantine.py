"""The dbt sources read accepted landing rows only: quarantined rows (by file and row) never reach staging."""

from pathlib import Path

import duckdb
import pandas as pd
import yaml

SOURCES = Path(__file__).resolve().parents[2] / "dbt_project" / "models" / "staging" / "_landing__sources.yml"


def _source_sql(home: Path, table: str) -> str:
    source = yaml.safe_load(SOURCES.read_text())["sources"][0]
    template = source["meta"]["external_location"]
    return template.replace("{{ env_var('WEALTHPULSE_HOME') }}", str(home)).replace("{name}", table)


def test_quarantined_rows_are_left_out(tmp_path):
    landing = tmp_path / "landing" / "clients"
    for day, ids in (("2025-06-01", ["C0000001", "C0000002"]), ("2025-06-02", ["C0000003", "C0000004"])):
        (landing / f"dt={day}").mkdir(parents=True)
        pd.DataFrame({"client_id": ids}).to_parquet(landing / f"dt={day}" / "part-0.parquet", index=False)
    keys = tmp_path / "quarantine" / "_quarantined_keys"
    keys.mkdir(parents=True)
    # The second row of the second day's file failed its contract.
    pd.DataFrame(
        {"client_id": ["C0000004"], "_source_file": ["clients/dt=2025-06-02/part-0.parquet"], "_row": [1]}
    ).to_parquet(keys / "clients.parquet", index=False)
    rows = duckdb.sql(f"select client_id, dt from {_source_sql(tmp_path, 'clients')} order by client_id").fetchall()
    assert [r[0] for r in rows] == ["C0000001", "C0000002", "C0000003"]
    assert str(rows[0][1]) == "2025-06-01"  # the hive partition column survives


def test_nothing_quarantined_reads_everything(tmp_path):
    landing = tmp_path / "landing" / "clients" / "dt=2025-06-01"
    landing.mkdir(parents=True)
    pd.DataFrame({"client_id": ["C0000001"]}).to_parquet(landing / "part-0.parquet", index=False)
    keys = tmp_path / "quarantine" / "_quarantined_keys"
    keys.mkdir(parents=True)
    # An empty key file, as the contract check writes when nothing failed (columns typed as nulls).
    pd.DataFrame({"_source_file": pd.Series([], dtype=float), "_row": pd.Series([], dtype="int64")}).to_parquet(
        keys / "clients.parquet", index=False
    )
    assert duckdb.sql(f"select count(*) from {_source_sql(tmp_path, 'clients')}").fetchall() == [(1,)]
