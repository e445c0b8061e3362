"""The packed SQLite online store: one row per client and view, Feast's online store interface."""

from datetime import UTC, datetime

import numpy as np
import pytest
from feast import FeatureView, Field
from feast.protos.feast.types.EntityKey_pb2 import EntityKey
from feast.protos.feast.types.Value_pb2 import Value
from feast.types import Float64, Int64

from features.entities import client
from features.online import PackedRows
from features.packed_sqlite import PackedSqliteOnlineStore, db_path, table_name
from features.sources import live_app_events
from features.store import open_store

VIEW = FeatureView(
    name="packed_store_test",
    entities=[client],
    schema=[Field(name="a", dtype=Float64), Field(name="b", dtype=Float64), Field(name="n", dtype=Int64)],
    source=live_app_events,
    online=True,
)
STAMP = datetime(2026, 5, 29, 12, 30, 15, 500_000, tzinfo=UTC)


def key(client_id: str) -> EntityKey:
    return EntityKey(join_keys=["client_id"], entity_values=[Value(string_val=client_id)])


@pytest.fixture()
def packed():
    config = open_store().config
    online = PackedSqliteOnlineStore()
    online.update(config, [], [VIEW], [], [client], partial=False)
    yield online, config
    online.update(config, [VIEW], [], [], [], partial=False)
    assert (
        not online._connection(config)
        .execute("SELECT name FROM sqlite_master WHERE name = ?", [table_name(config, VIEW)])
        .fetchall()
    )


def test_rows_read_back_as_written_and_partial_writes_keep_the_rest(packed):
    online, config = packed
    full = {"a": Value(double_val=1.5), "b": Value(double_val=-2.0), "n": Value(int64_val=7)}
    online.online_write_batch(config, VIEW, [(key("C1"), full, STAMP, None), (key("C2"), full, STAMP, None)], None)
    online.online_write_batch(config, VIEW, [(key("C2"), {"b": Value(double_val=9.0)}, STAMP, None)], None)

    (stamp1, row1), (stamp2, row2), (stamp3, row3) = online.online_read(config, VIEW, [key("C1"), key("C2"), key("C9")])
    assert row1 == full
    assert row2 == {**full, "b": Value(double_val=9.0)}
    # Whole seconds, as Feast's own SQLite store keeps event times; an unknown client has no row.
    assert stamp1 == stamp2 == STAMP.replace(microsecond=0)
    assert (stamp3, row3) == (None, None)


def test_the_batch_reader_decodes_fast_and_slow_rows_alike(packed):
    """A row of doubles only is decoded with numpy, any other row through protobuf: the same matrix."""
    online, config = packed
    doubles = {"a": Value(double_val=0.25), "b": Value(double_val=3.0)}
    mixed = {"a": Value(double_val=0.25), "b": Value(), "n": Value(int64_val=4)}
    online.online_write_batch(config, VIEW, [(key("C1"), doubles, STAMP, None), (key("C2"), mixed, STAMP, None)], None)
    reader = PackedRows(config, [VIEW])
    assert reader._path == db_path(config)
    column = {"a": 0, "b": 1, "n": 2}
    matrix, present = np.full((3, 3), np.nan), np.zeros((3, 3), dtype=bool)
    stamps = reader.fill(["C1", "C2", "C9"], column, matrix, present)
    assert matrix[0, :2].tolist() == [0.25, 3.0] and present[0].tolist() == [True, True, False]
    assert matrix[1, 0] == 0.25 and matrix[1, 2] == 4.0 and present[1].tolist() == [True, False, True]
    assert not present[2].any()
    assert stamps.tolist()[0][:2] == [STAMP.replace(microsecond=0).timestamp()] * 2 and np.isnan(stamps[0, 2])


def test_names_are_stored_once_per_layout_and_a_clashing_id_is_an_error(packed, monkeypatch):
    import features.packed_sqlite as packed_sqlite

    online, config = packed
    conn = online._connection(config)
    full = {"a": Value(double_val=1.0), "b": Value(double_val=2.0), "n": Value(int64_val=3)}
    online.online_write_batch(config, VIEW, [(key(f"C{i}"), full, STAMP, None) for i in range(5)], None)
    stored = conn.execute(f'SELECT DISTINCT layout FROM "{table_name(config, VIEW)}"').fetchall()
    assert stored == [(packed_sqlite.layout_id("a,b,n"),)]
    assert packed_sqlite.layout_names(conn, stored[0][0]) == "a,b,n"

    monkeypatch.setattr(packed_sqlite, "layout_id", lambda names: stored[0][0])
    fresh = PackedSqliteOnlineStore()
    swapped = {"b": Value(double_val=2.0), "a": Value(double_val=1.0), "n": Value(int64_val=3)}
    with pytest.raises(RuntimeError, match="already names other features"):
        fresh.online_write_batch(config, VIEW, [(key("C1"), swapped, STAMP, None)], None)
