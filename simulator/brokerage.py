"""``simulate``: one deterministic synthetic brokerage, as landing tables plus its oracle."""

from __future__ import annotations

import datetime

import pandas as pd
import pyarrow as pa

from simulator.engine import Chunk, RunContext, progress_bar, reference_tables, run_chunks
from simulator.presets import DEFAULT_START
from simulator.schema import ORACLE_SCHEMA, TABLES, arrow_to_frame, in_memory_schema


class Simulation(dict[str, pd.DataFrame]):
    """The landing tables by name (a plain mapping, as ``write_landing`` takes it) plus
    ``oracle``: the ground truth per (client_id, as_of_date), see ``simulator.oracle``."""

    oracle: pd.DataFrame


def simulate(
    clients: int, days: int, seed: int, start: datetime.date = DEFAULT_START, *, progress: bool = False
) -> Simulation:
    """Generate every landing table for ``clients`` over ``days`` days from ``start``, in memory.

    Same arguments => identical frames, row order included. Every frame carries
    ``attrs["start"]`` and ``attrs["end"]`` (ISO date strings), which ``write_landing`` uses to
    place rows predating the window. For large runs use ``simulate_to_disk`` (flat memory).
    """
    if clients < 1 or days < 1:
        raise ValueError("clients and days must be positive")
    ctx = RunContext(seed=seed, clients=clients, days=days, start=start, calendar_days=days)
    parts: dict[str, list[pa.Table]] = {name: [] for name in TABLES}
    oracle_parts: list[pa.Table] = []

    def collect(chunk: Chunk, name: str, days: range | None, table: pa.Table) -> None:
        parts[name].append(table)

    with progress_bar(clients * days, progress) as bar:
        for out in run_chunks(ctx, collect, bar=bar):
            parts["clients"].append(out.clients)
            if out.oracle is not None:
                oracle_parts.append(out.oracle)
    market = ctx.market()
    for name, table in reference_tables(market, ctx.calendar(), start).items():
        parts[name].append(table)
    end = start + datetime.timedelta(days=days - 1)
    result = Simulation()
    for name in TABLES:
        frame = arrow_to_frame(pa.concat_tables(parts.pop(name)).cast(in_memory_schema(name)))
        frame.attrs.update(start=start.isoformat(), end=end.isoformat())
        result[name] = frame
    oracle = pa.concat_tables(oracle_parts) if oracle_parts else ORACLE_SCHEMA.empty_table()
    result.oracle = arrow_to_frame(oracle.cast(in_memory_schema("oracle")))
    return result
