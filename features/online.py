"""Online features of several feature services for a batch of clients, read the short way.

``FeatureStore.get_online_features`` resolves the references against the registry, builds a response
protobuf value by value and converts it back to Python on every call: about 2 ms for one client and
176 features. A scoring service asks for the same features on every request, so everything that
depends only on the feature services is resolved once here. A read is then one statement over the
packed SQLite online store (``features.packed_sqlite``: one row per client and view), or Feast's
``online_read`` per feature view for any other online store (Redis); then a decode of the stored
values and the on-demand views' own transformation (``transform_dict``).

``read_matrix`` gives what scoring needs: one float64 matrix, a row per requested client and a
column per feature (NaN where the store has no value, with a mask saying which cells were
stored). ``read`` gives the shape of ``OnlineResponse.to_dict()``: feature name -> one value per
client, in request order, None where the store has no value. Both carry, per feature view, the
event time of each client's row (None when the client has no row in that view).
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from feast import FeatureService, FeatureStore, FeatureView, OnDemandFeatureView
from feast.infra.key_encoding_utils import serialize_entity_key
from feast.protos.feast.types.EntityKey_pb2 import EntityKey
from feast.protos.feast.types.Value_pb2 import RepeatedValue, Value

from features.packed_sqlite import PackedSqliteOnlineStore, db_path, layout_names, table_name

JOIN_KEY = "client_id"
# One packed Value holding a double: RepeatedValue's field 1 (0x0a) of 9 bytes, the Value's field 5
# (double_val) of wire type 1 (0x29), then 8 bytes little-endian. Every Float64 feature is stored
# this way; anything else is decoded by protobuf.
PACKED_DOUBLE = b"\x0a\x09\x29"
PACKED_DOUBLE_SIZE = 11


@dataclass(frozen=True)
class OnlineRows:
    values: dict[str, list]
    # View name -> event time (epoch seconds) of each client's row, None when the view has no row for it.
    timestamps: dict[str, list[float | None]]
    # Per client, the newest event time of its rows in the batch views (materialized from the marts);
    # None for a client the batch views do not know, whatever live events were pushed for it.
    stored_at: list[float | None]


@dataclass(frozen=True)
class OnlineMatrix:
    """Every feature of every requested client as numbers: what scoring reads."""

    # Column j holds feature names[j]; one row per requested client, in request order.
    names: list[str]
    matrix: np.ndarray  # float64, NaN where `present` is False
    present: np.ndarray  # bool: the store (or the on-demand view) gave a value
    timestamps: dict[str, list[float | None]]
    stored_at: list[float | None]

    def column(self, name: str) -> list:
        """One feature's values per client, None where the store has none."""
        j = self.names.index(name)
        return [v if p else None for v, p in zip(self.matrix[:, j].tolist(), self.present[:, j].tolist(), strict=True)]


def _plain(value: Value):
    """The Python value of a stored scalar: every feature this platform serves is a number or a bool."""
    if value is None:
        return None
    kind = value.WhichOneof("val")
    return None if kind is None or kind == "null_val" else getattr(value, kind)


def _number(value, name: str) -> float:
    if isinstance(value, bool | int | float):
        return float(value)
    raise TypeError(f"feature {name!r} holds {type(value).__name__} values; the online reader serves numbers only")


class OnlineReader:
    """Reads the features of `services` for many clients; built once, used for every request."""

    def __init__(self, store: FeatureStore, services: list[FeatureService]) -> None:
        self._config = store.config
        self._online = store._get_provider().online_store
        registry_views = {view.name: view for view in store.list_feature_views()}
        registry_views.update({view.name: view for view in store.list_on_demand_feature_views()})
        stored: dict[str, dict[str, None]] = {}
        on_demand: dict[str, dict[str, None]] = {}
        for service in services:
            for projection in service.feature_view_projections:
                view = registry_views[projection.name]
                target = on_demand if isinstance(view, OnDemandFeatureView) else stored
                target.setdefault(view.name, {}).update(dict.fromkeys(f.name for f in projection.features))
        # An on-demand view reads whole source views: those features are read too (and returned).
        for name in on_demand:
            for source in registry_views[name].source_feature_view_projections.values():
                stored.setdefault(source.name, {}).update(dict.fromkeys(f.name for f in source.features))
        self._views: list[tuple[FeatureView, list[str]]] = [
            (registry_views[name], list(features)) for name, features in stored.items()
        ]
        self._on_demand: list[tuple[OnDemandFeatureView, list[str]]] = [
            (registry_views[name], list(features)) for name, features in on_demand.items()
        ]
        self.request_fields: list[str] = list(
            dict.fromkeys(
                field.name
                for view, _ in self._on_demand
                for source in view.source_request_sources.values()
                for field in source.schema
            )
        )
        self.feature_names: list[str] = list(
            dict.fromkeys(name for _, features in (*self._views, *self._on_demand) for name in features)
        )
        self._column = {name: j for j, name in enumerate(self.feature_names)}
        # The inputs each on-demand view's function reads: its source views' features.
        self._on_demand_inputs = [
            list(
                dict.fromkeys(
                    f.name for source in view.source_feature_view_projections.values() for f in source.features
                )
            )
            for view, _ in self._on_demand
        ]
        self.stored_views: list[str] = [view.name for view, _ in self._views]
        # Views filled by materialization from the marts; a view fed by a push source holds live events.
        self.batch_views: list[str] = [view.name for view, _ in self._views if view.stream_source is None]
        self._batch_index = [i for i, (view, _) in enumerate(self._views) if view.stream_source is None]
        self._packed = (
            PackedRows(self._config, [view for view, _ in self._views])
            if isinstance(self._online, PackedSqliteOnlineStore)
            else None
        )

    def read(self, client_ids: list[str], request: dict[str, float] | None = None) -> OnlineRows:
        """Every feature for every client, in request order; `request` fills the request fields."""
        rows = self.read_matrix(client_ids, request)
        matrix, present = rows.matrix.T.tolist(), rows.present.T.tolist()
        values = {
            name: [v if p else None for v, p in zip(matrix[j], present[j], strict=True)]
            for j, name in enumerate(self.feature_names)
        }
        return OnlineRows(values=values, timestamps=rows.timestamps, stored_at=rows.stored_at)

    def read_matrix(self, client_ids: list[str], request: dict[str, float] | None = None) -> OnlineMatrix:
        """Every feature for every client as a float64 matrix, rows in request order."""
        missing = [name for name in self.request_fields if name not in (request or {})]
        if missing:
            raise ValueError(f"request values missing for on-demand features: {missing}")
        unique = list(dict.fromkeys(client_ids))
        matrix = np.full((len(unique), len(self.feature_names)), np.nan)
        present = np.zeros(matrix.shape, dtype=bool)
        if self._packed is not None:
            stamps = self._packed.fill(unique, self._column, matrix, present)
        else:
            stamps = self._fill_from_store(unique, matrix, present)
        for (view, features), inputs in zip(self._on_demand, self._on_demand_inputs, strict=True):
            columns = [self._column[name] for name in inputs]
            # Each input's values as Python floats, None where the store has none.
            block = np.where(present[:, columns], matrix[:, columns], None).T.tolist()
            arguments = dict(zip(inputs, block, strict=True))
            arguments.update({name: [request[name]] * len(unique) for name in self.request_fields})
            # The view's own function, called as Feast calls a python-mode view on a batch.
            out = view.feature_transformation.udf(arguments)
            for name in features:
                j = self._column[name]
                for row, value in enumerate(out[name]):
                    if value is not None:
                        matrix[row, j] = _number(value, name)
                        present[row, j] = True
        if len(unique) != len(client_ids):
            # A client asked for twice gets its row twice, in request order.
            index = {c: i for i, c in enumerate(unique)}
            order = np.array([index[c] for c in client_ids], dtype=np.int64)
            matrix, present, stamps = matrix[order], present[order], stamps[:, order]
        batch = stamps[self._batch_index]
        newest = np.fmax.reduce(batch, axis=0) if len(batch) else np.full(len(client_ids), np.nan)
        return OnlineMatrix(
            names=self.feature_names,
            matrix=matrix,
            present=present,
            timestamps={
                view.name: [None if s != s else s for s in stamps[v].tolist()]
                for v, (view, _) in enumerate(self._views)
            },
            stored_at=[None if s != s else s for s in newest.tolist()],
        )

    def _fill_from_store(self, client_ids: list[str], matrix: np.ndarray, present: np.ndarray) -> np.ndarray:
        """Feast's per-view ``online_read``: the path every online store but SQLite takes."""
        keys = [EntityKey(join_keys=[JOIN_KEY], entity_values=[Value(string_val=c)]) for c in client_ids]
        stamps = np.full((len(self._views), len(client_ids)), np.nan)
        for v, (view, features) in enumerate(self._views):
            for row, (stamp, values) in enumerate(self._online.online_read(self._config, view, keys, features)):
                if values is None:
                    continue
                stamps[v, row] = _epoch(stamp)
                for name in features:
                    value = _plain(values.get(name))
                    if value is not None:
                        matrix[row, self._column[name]] = _number(value, name)
                        present[row, self._column[name]] = True
        return stamps


class PackedRows:
    """All views' rows of a batch of clients in one statement over the packed SQLite online store.

    ``features.packed_sqlite`` keeps one row per (client, view): the id of its layout of feature
    names, its values as one serialized ``RepeatedValue`` and the event time in epoch seconds. One
    UNION ALL reads the rows of every view. A row whose values are all doubles (every Float64 feature) has a fixed
    11-byte encoding per value, so all such rows are decoded at once with numpy; any other row goes
    through Feast's protobuf. A test compares the result with ``get_online_features``.
    """

    def __init__(self, config, views: list[FeatureView]) -> None:
        self._version = config.entity_key_serialization_version
        self._tables = [table_name(config, view) for view in views]
        self._path = db_path(config)
        # One connection per serving thread; the store is written by materialize and push elsewhere.
        self._local = threading.local()
        self._statements: dict[int, str] = {}
        # Per layout id: its feature names and their column positions.
        self._layouts: dict[int, tuple[list[str], np.ndarray]] = {}

    def _statement(self, n: int) -> str:
        if n not in self._statements:
            marks = ",".join("?" * n)
            self._statements[n] = " UNION ALL ".join(
                f'SELECT {i}, entity_key, layout, feature_values, event_ts FROM "{table}" WHERE entity_key IN ({marks})'
                for i, table in enumerate(self._tables)
            )
        return self._statements[n]

    def _layout(self, conn: sqlite3.Connection, layout: int, column: dict[str, int]) -> tuple[list[str], np.ndarray]:
        if layout not in self._layouts:
            names = layout_names(conn, layout).split(",")
            # A stored feature no service asks for is read and dropped (column -1).
            self._layouts[layout] = names, np.array([column.get(n, -1) for n in names], dtype=np.int64)
        return self._layouts[layout]

    def fill(self, client_ids: list[str], column: dict[str, int], matrix: np.ndarray, present: np.ndarray):
        """Write every stored value of `client_ids` (distinct) into `matrix`; per view, each row's event time."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = sqlite3.connect(self._path)
        keys = [
            serialize_entity_key(EntityKey(join_keys=[JOIN_KEY], entity_values=[Value(string_val=c)]), self._version)
            for c in client_ids
        ]
        position = {key: i for i, key in enumerate(keys)}
        stamps = np.full((len(self._tables), len(client_ids)), np.nan)
        # Rows whose values are all doubles: decoded together below.
        rows: list[int] = []
        layouts: list[np.ndarray] = []
        blobs: list[bytes] = []
        for view, key, layout_id, blob, stamp in conn.execute(self._statement(len(keys)), keys * len(self._tables)):
            row = position[key]
            stamps[view, row] = stamp
            names, layout = self._layout(conn, layout_id, column)
            if _all_doubles(blob, len(layout)):
                rows.append(row)
                layouts.append(layout)
                blobs.append(blob)
                continue
            values = RepeatedValue.FromString(blob).val
            for j, name, value in zip(layout.tolist(), names, values, strict=True):
                value = _plain(value)
                if j >= 0 and value is not None:
                    matrix[row, j] = _number(value, name)
                    present[row, j] = True
        if blobs:
            cells = np.frombuffer(b"".join(blobs), dtype=np.uint8).reshape(-1, PACKED_DOUBLE_SIZE)
            numbers = np.ascontiguousarray(cells[:, len(PACKED_DOUBLE) :]).view("<f8").ravel()
            target_rows = np.repeat(np.array(rows, dtype=np.int64), [len(layout) for layout in layouts])
            target_columns = np.concatenate(layouts)
            keep = target_columns >= 0
            if not keep.all():
                target_rows, target_columns, numbers = target_rows[keep], target_columns[keep], numbers[keep]
            matrix[target_rows, target_columns] = numbers
            present[target_rows, target_columns] = True
        return stamps


def _all_doubles(blob: bytes, count: int) -> bool:
    size = PACKED_DOUBLE_SIZE
    return (
        len(blob) == size * count
        and blob[0::size] == PACKED_DOUBLE[0:1] * count
        and blob[1::size] == PACKED_DOUBLE[1:2] * count
        and blob[2::size] == PACKED_DOUBLE[2:3] * count
    )


def _epoch(stamp: datetime) -> float:
    return stamp.replace(tzinfo=UTC).timestamp() if stamp.tzinfo is None else stamp.timestamp()
