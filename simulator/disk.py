"""Simulate straight to landing files, chunk by chunk, and continue a run one day at a time.

Layout under ``out``: ``<table>/dt=YYYY-MM-DD/part-<chunk>.parquet`` (what dbt reads),
``_state/`` (the latent state of every chunk and ``run.json``: hidden from dbt, which only
globs ``<table>/*/*.parquet`` of known tables) and, unless told otherwise, ``_oracle/oracle.parquet``.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import sys
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from simulator.columns import ColumnBuilder
from simulator.day import DayContext, step_day
from simulator.engine import (
    Chunk,
    OracleRecorder,
    RunContext,
    build_table,
    chunks,
    progress_bar,
    reference_tables,
    run_chunks,
)
from simulator.landing import (
    EPOCH,
    ORACLE_FILE,
    export_day,
    replace_dir,
    write_days_partitions,
    write_empty_partition,
    write_oracle,
    write_table_partitions,
)
from simulator.market import Market
from simulator.oracle import TIER_AHEAD
from simulator.presets import CHUNK_CLIENTS, DEFAULT_START
from simulator.schema import DAILY_TABLES, ORACLE_SCHEMA, TABLES
from simulator.shelf import build_shelf
from simulator.state import ClientState
from simulator.strings import pick
from simulator.tiers import REVENUE_WINDOW_DAYS
from wealthpulse.domain import TIERS

STATE_DIR = "_state"
ORACLE_DIR = "_oracle"
RUN_FILE = "run.json"
# Threads that encode and write parquet files while the simulation goes on (Arrow releases the GIL).
WRITER_THREADS = 2


@dataclass
class RunSummary:
    rows: dict[str, int]
    client_days: int
    seconds: float
    days_written: list[str] = field(default_factory=list)
    oracle_rows: int = 0
    oracle_path: Path | None = None

    @property
    def client_days_per_second(self) -> float:
        return self.client_days / max(self.seconds, 1e-9)

    def throughput_line(self) -> str:
        return (
            f"simulated {self.client_days:,} client-days in {self.seconds:.1f}s "
            f"({self.client_days_per_second:,.0f} client-days/s)"
        )


def _part(chunk: int) -> str:
    return f"part-{chunk:05d}.parquet"


def simulate_to_disk(
    clients: int,
    days: int,
    seed: int,
    out_dir: Path | str,
    start: datetime.date = DEFAULT_START,
    *,
    oracle_dir: Path | str | None = None,
    progress: bool = True,
) -> RunSummary:
    """Simulate and write every landing table, the oracle and the end state; memory stays flat.

    Each table is built in a hidden sibling folder and swapped in at the end, so a re-run
    replaces (never appends) and a reader never sees a half-written table.
    """
    if clients < 1 or days < 1:
        raise ValueError("clients and days must be positive")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tmp = {name: out / f".{name}.building" for name in [*TABLES, STATE_DIR]}
    for folder in tmp.values():
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir()
    ctx = RunContext(seed=seed, clients=clients, days=days, start=start, calendar_days=days)
    started = time.perf_counter()
    rows = dict.fromkeys(TABLES, 0)
    oracle_parts: list[pa.Table] = []

    history: dict[str, HistoryRows] = {}

    def write_days(chunk: Chunk, name: str, batch: range | None, table: pa.Table) -> None:
        rows[name] += table.num_rows
        if batch is None:  # history rows join the partition of their own date, ahead of that day's rows
            history[name] = HistoryRows(name, table, start)
            return
        if name in history:
            table = history[name].join(batch, table, last=batch.stop == days)
        # One file per day with rows (a day without rows gets no file in a full run).
        write_days_partitions(name, table, tmp[name], start, batch, _part(chunk.index))

    with progress_bar(clients * days, progress) as bar:
        for result in run_chunks(ctx, write_days, bar=bar):
            write_table_partitions("clients", result.clients, tmp["clients"], start, _part(result.chunk.index))
            rows["clients"] += result.clients.num_rows
            if result.oracle is not None:
                oracle_parts.append(result.oracle)
            result.state.save(tmp[STATE_DIR] / f"chunk-{result.chunk.index:05d}.npz")
            _save_oracle_state(tmp[STATE_DIR], result.chunk, result.recorder)
    for name, table in reference_tables(ctx.market(), ctx.calendar(), start).items():
        write_table_partitions(name, table, tmp[name], start, _part(0))
        rows[name] = table.num_rows
    oracle_out = Path(oracle_dir) if oracle_dir else out / ORACLE_DIR
    _write_run(tmp[STATE_DIR], ctx, _portable(oracle_out, out))
    for name, folder in tmp.items():
        replace_dir(out / name, lambda target, src=folder: _move_into(src, target))
    oracle = pa.concat_tables(oracle_parts) if oracle_parts else ORACLE_SCHEMA.empty_table()
    oracle_path = write_oracle(oracle, oracle_out)
    summary = RunSummary(rows, clients * days, time.perf_counter() - started, oracle_rows=oracle.num_rows)
    summary.oracle_path = oracle_path
    if progress:
        print(summary.throughput_line(), file=sys.stderr)
    return summary


class HistoryRows:
    """A chunk's rows drawn before day 0, handed out by the day of the partition they belong to."""

    def __init__(self, name: str, table: pa.Table, start: datetime.date) -> None:
        self.table = table
        self.day = export_day(name, table, start) - (start - EPOCH).days

    def join(self, batch: range, table: pa.Table, *, last: bool) -> pa.Table:
        """The history rows of the days of ``batch`` ahead of the batch's rows (a stable sort by
        partition then puts each day's history rows first, as in a whole-window table)."""
        mine = np.flatnonzero((self.day >= batch.start) & (self.day < batch.stop))
        if last and np.any(self.day >= batch.stop):
            raise ValueError("history rows dated after the simulated window")
        if not mine.size:
            return table
        return pa.concat_tables([self.table.take(pa.array(mine)), table]).combine_chunks()


def writer_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=WRITER_THREADS, thread_name_prefix="landing-writer")


def _wait(futures: list[Future[None]]) -> None:
    for future in futures:
        future.result()  # re-raises a failed write


def _move_into(src: Path, target: Path) -> None:
    """``replace_dir`` hands over an empty hidden folder; the data is already complete in ``src``."""
    target.rmdir()
    src.rename(target)


def _portable(path: Path, out: Path) -> str:
    """``path`` relative to ``out`` (e.g. ``../oracle``): a copied or moved state directory keeps
    its own oracle beside its landing folder instead of writing into the original's."""
    return os.path.relpath(path.resolve(), out.resolve())


def _write_run(folder: Path, ctx: RunContext, oracle_dir: str) -> None:
    meta = {
        "oracle_dir": oracle_dir,
        "seed": ctx.seed,
        "clients": ctx.clients,
        "days": ctx.days,
        "start": ctx.start.isoformat(),
        "calendar_days": ctx.calendar_days,
        "chunk_clients": CHUNK_CLIENTS,
        "counters": ctx.counters,
    }
    (folder / RUN_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")


def oracle_dir_of(out_dir: Path | str) -> Path:
    """Where the run saved in ``out_dir`` keeps its oracle (``_oracle/`` for runs that did not say)."""
    meta = json.loads((Path(out_dir) / STATE_DIR / RUN_FILE).read_text())
    return Path(out_dir) / meta.get("oracle_dir", ORACLE_DIR)


def _oracle_state_file(chunk: Chunk) -> str:
    return f"oracle-{chunk.index:05d}.npz"


def _save_oracle_state(folder: Path, chunk: Chunk, recorder: OracleRecorder | None) -> None:
    """The sampled clients of the chunk and their revenue totals of the last 90 days, for ``next_day``."""
    if recorder is None:
        local, revenue = np.array([], dtype=np.int64), np.zeros((REVENUE_WINDOW_DAYS, 0))
    else:
        local, revenue = recorder.local, recorder.revenue
    np.savez(folder / _oracle_state_file(chunk), local=local, revenue=revenue)


def load_run(out_dir: Path | str) -> RunContext:
    path = Path(out_dir) / STATE_DIR / RUN_FILE
    if not path.exists():
        raise FileNotFoundError(f"no saved simulation state at {path}: run a full simulation into {out_dir} first")
    meta = json.loads(path.read_text())
    if meta["chunk_clients"] != CHUNK_CLIENTS:
        raise ValueError(f"state was written with chunks of {meta['chunk_clients']} clients, not {CHUNK_CLIENTS}")
    return RunContext(
        seed=meta["seed"],
        clients=meta["clients"],
        days=meta["days"],
        start=datetime.date.fromisoformat(meta["start"]),
        calendar_days=meta["calendar_days"],
        counters=meta["counters"],
    )


def next_day(out_dir: Path | str, *, progress: bool = True) -> RunSummary:
    """Continue the run saved in ``out_dir`` by one day: write one new dt= partition per daily
    table (an empty file on a day without rows), add the new day to the oracle and save the
    advanced state.

    The oracle gets the new day as an as-of date for the same sampled clients as the full run
    (the new day is the last day of the longer window, which a full run always grades), and the
    rows whose 90-day-ahead tier falls on the new day get their ``tier_90d``. A re-run of a day
    that did not finish replaces that day's oracle rows, never duplicates them.
    """
    out = Path(out_dir)
    ctx = load_run(out)
    oracle_dir = oracle_dir_of(out)
    day = ctx.days
    date = ctx.start + datetime.timedelta(days=day)
    for name in DAILY_TABLES:
        if (out / name / f"dt={date}").exists():
            raise FileExistsError(f"{name}/dt={date} already exists in {out}")
    started = time.perf_counter()
    market = ctx.market(day + 1)
    calendar = ctx.calendar()
    day_ctx = DayContext(ctx.seed, 0, ctx.start, market, build_shelf(market), calendar)
    # The oracle of the longer window: its recorder grades only the new day.
    longer = RunContext(ctx.seed, ctx.clients, day + 1, ctx.start, ctx.calendar_days)
    staging = out / STATE_DIR / ".next"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    rows = dict.fromkeys(DAILY_TABLES, 0)
    pending: list[Future[None]] = []
    oracle_parts: list[pa.Table] = []
    tier_today: list[tuple[np.ndarray, np.ndarray]] = []  # (global client index, tier) of sampled clients
    with progress_bar(ctx.clients, progress) as bar, writer_pool() as pool:
        for chunk in chunks(ctx.clients):
            state = ClientState.load(out / STATE_DIR / f"chunk-{chunk.index:05d}.npz")
            recorder = _load_oracle_recorder(out / STATE_DIR, chunk, longer, state, market)
            day_rows, revenue = step_day(state, DayContext(**{**day_ctx.__dict__, "chunk": chunk.index}), day)
            if recorder is not None:
                recorder.record(day, day_rows["asset_snapshots"], revenue)
                oracle_parts.append(recorder.table())
                tier_today.append((chunk.first_id + recorder.local, recorder.tier_at[day]))
            builder = ColumnBuilder(ctx.start, chunk.first_id, state, calendar, market.symbols)
            for name in DAILY_TABLES:
                part = day_rows[name]
                part["day"] = part["client"] * 0 + day
                table = build_table(builder, name, [part], ctx.counters)
                root = staging / name
                if table.num_rows:
                    pending += write_table_partitions(name, table, root, ctx.start, _part(chunk.index), pool=pool)
                else:
                    write_empty_partition(name, root, date, _part(chunk.index))
                rows[name] += table.num_rows
            state.save(staging / f"chunk-{chunk.index:05d}.npz")
            _save_oracle_state(staging, chunk, recorder)
            bar.update(chunk.size)
        _wait(pending)
    oracle_rows = 0
    oracle_path = None
    if oracle_parts:  # a state saved without the oracle's revenue totals cannot grade the new day
        oracle_rows = sum(t.num_rows for t in oracle_parts)
        oracle_path = _extend_oracle(oracle_dir, date, oracle_parts, tier_today)
    for name in DAILY_TABLES:
        (out / name).mkdir(exist_ok=True)
        (staging / name / f"dt={date}").rename(out / name / f"dt={date}")
    for chunk in chunks(ctx.clients):
        for name in (f"chunk-{chunk.index:05d}.npz", _oracle_state_file(chunk)):
            if (staging / name).exists():
                (staging / name).replace(out / STATE_DIR / name)
    ctx.days += 1
    _write_run(out / STATE_DIR, ctx, _portable(oracle_dir, out))
    shutil.rmtree(staging)
    summary = RunSummary(
        rows,
        ctx.clients,
        time.perf_counter() - started,
        days_written=[date.isoformat()],
        oracle_rows=oracle_rows,
        oracle_path=oracle_path,
    )
    if progress:
        print(summary.throughput_line(), file=sys.stderr)
    return summary


def _load_oracle_recorder(
    folder: Path, chunk: Chunk, ctx: RunContext, state: ClientState, market: Market
) -> OracleRecorder | None:
    path = folder / _oracle_state_file(chunk)
    if not path.exists():
        return None
    with np.load(path, allow_pickle=False) as data:
        local, revenue = data["local"], data["revenue"]
    if not local.size:
        return None
    return OracleRecorder(
        ctx, state, chunk.first_id, local, market, as_of=np.array([ctx.days - 1]), revenue=revenue.copy()
    )


def _extend_oracle(
    oracle_dir: Path, date: datetime.date, parts: list[pa.Table], tier_today: list[tuple[np.ndarray, np.ndarray]]
) -> Path:
    """Append the new day's rows to the oracle file and fill ``tier_90d`` of the rows 90 days back."""
    path = oracle_dir / ORACLE_FILE
    old = pq.read_table(path).cast(ORACLE_SCHEMA) if path.exists() else ORACLE_SCHEMA.empty_table()
    as_of = old.column("as_of_date")
    old = old.filter(pc.not_equal(as_of, pa.scalar(date, pa.date32())))  # a re-run replaces, never duplicates
    back = date - datetime.timedelta(days=TIER_AHEAD)
    due = pc.and_(pc.equal(old.column("as_of_date"), pa.scalar(back, pa.date32())), pc.is_null(old.column("tier_90d")))
    if pc.any(due).as_py():
        index = np.concatenate([t[0] for t in tier_today])
        tier = np.concatenate([t[1] for t in tier_today])
        lookup = np.zeros(int(index.max()) + 1, dtype=np.int64)
        lookup[index] = tier
        number = pc.cast(pc.utf8_slice_codeunits(old.column("client_id"), 1), pa.int64()).to_numpy() - 1
        due_np = due.to_numpy(zero_copy_only=False)
        known = np.where(due_np, lookup[np.where(due_np, number, 0)], 0)
        labels = pick(TIERS, np.maximum(known - 1, 0), valid=known > 0).cast(pa.string())
        filled = pc.if_else(pa.array(due_np), labels, old.column("tier_90d"))
        old = old.set_column(old.schema.get_field_index("tier_90d"), ORACLE_SCHEMA.field("tier_90d"), filled)
    new = pa.concat_tables([old, *(t.cast(ORACLE_SCHEMA) for t in parts)])
    return write_oracle(new, oracle_dir)
