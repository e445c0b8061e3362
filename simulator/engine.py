"""Run the simulation chunk by chunk (memory stays flat as clients grow), day by day.

Each chunk of CHUNK_CLIENTS clients has its own random streams derived from (seed, chunk index,
day), so a chunk's output does not depend on the others, and a saved end-of-run state lets
``next_day`` continue exactly where a run stopped.
"""

from __future__ import annotations

import datetime
import sys
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
from tqdm import tqdm

from simulator import oracle as truth
from simulator.campaigns import Calendar, draw_calendar
from simulator.codes import preference_group
from simulator.columns import ColumnBuilder, campaign_columns, dates
from simulator.day import DayContext, step_day
from simulator.market import N_SYMBOLS, Market, draw_market, product_columns
from simulator.population import draw_clients
from simulator.presets import CHUNK_CLIENTS, ORACLE_MAX_CLIENTS
from simulator.schema import DAILY_TABLES, to_arrow
from simulator.shelf import build_shelf
from simulator.state import ClientState
from simulator.strings import fixed_width_ids, pick
from simulator.tiers import REVENUE_WINDOW_DAYS, value_tier
from wealthpulse.domain import TIERS

INIT_STREAM = 1


@dataclass
class Chunk:
    index: int
    first_id: int
    size: int


@dataclass
class ChunkOutput:
    """One simulated chunk once its days are done (its daily tables went to the sink as they came)."""

    chunk: Chunk
    clients: pa.Table
    oracle: pa.Table | None
    state: ClientState
    recorder: OracleRecorder | None = None


# A daily table of some consecutive days of one chunk: (chunk, table name, days, table). Days
# None: the rows drawn with the population before day 0 (assessment and do-not-contact history,
# which may carry any date up to an account's opening), handed over first.
DaySink = Callable[[Chunk, str, range | None, pa.Table], None]
# Days are built in batches of at least this many client-days (one day for a full chunk), so a
# small run does not pay the per-table overhead every day.
BATCH_CLIENT_DAYS = 100_000
# Batches that may wait to be built while the simulation runs ahead (bounds memory).
BUILD_AHEAD_BATCHES = 3


@dataclass
class RunContext:
    seed: int
    clients: int
    days: int  # days simulated so far
    start: datetime.date
    calendar_days: int  # the campaign calendar's window (fixed by the first run)
    counters: dict[str, int] = field(default_factory=dict)

    def market(self, days: int | None = None) -> Market:
        return draw_market(self.seed, days or self.days)

    def calendar(self) -> Calendar:
        return draw_calendar(self.seed, self.calendar_days)


def chunks(clients: int, size: int = CHUNK_CLIENTS) -> list[Chunk]:
    return [Chunk(k, lo, min(size, clients - lo)) for k, lo in enumerate(range(0, clients, size))]


def reference_tables(market: Market, calendar: Calendar, start: datetime.date) -> dict[str, pa.Table]:
    return {
        "products": to_arrow("products", product_columns(market)),
        "campaigns": to_arrow("campaigns", campaign_columns(calendar, start)),
    }


def progress_bar(total: int, enabled: bool) -> tqdm:
    return tqdm(total=total, unit="client-day", unit_scale=True, file=sys.stderr, disable=not enabled, smoothing=0.1)


def run_chunks(
    ctx: RunContext, sink: DaySink, *, with_oracle: bool = True, bar: tqdm | None = None
) -> Iterator[ChunkOutput]:
    """Simulate every chunk over the whole window, handing each day's landing tables to ``sink``.

    A background thread builds (and, through ``sink``, writes) the tables of a batch of days
    (one day for a full chunk) while the simulation steps through the next: numpy and Arrow
    release the GIL for most of either side's work, and memory holds a few batches of rows, not
    the whole window. Tables reach the sink in order (chunk by chunk, the population's history
    rows first, then batch by batch, table by table), so row ids continue exactly as when a
    chunk's whole table is built at once.
    Yields each chunk's client table, oracle and end state once its days are done.
    """
    market = ctx.market()
    shelf = build_shelf(market)
    calendar = ctx.calendar()
    oracle_ids = truth.sample_clients(ctx.seed, ctx.clients, ORACLE_MAX_CLIENTS)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="landing-builder") as build_pool:
        for chunk in chunks(ctx.clients):
            rng = np.random.default_rng([ctx.seed, chunk.index, INIT_STREAM])
            state, init_rows = draw_clients(rng, chunk.size, ctx.clients, ctx.days, N_SYMBOLS, market.symbol_popularity)
            day_ctx = DayContext(ctx.seed, chunk.index, ctx.start, market, shelf, calendar)
            builder = ColumnBuilder(ctx.start, chunk.first_id, state, calendar, market.symbols)
            local = oracle_ids[(oracle_ids >= chunk.first_id) & (oracle_ids < chunk.first_id + chunk.size)]
            local = local - chunk.first_id
            recorder = OracleRecorder(ctx, state, chunk.first_id, local, market) if with_oracle and local.size else None
            pending: deque[Future[None]] = deque()
            init = {name: [init_rows[name]] for name in DAILY_TABLES if name in init_rows}
            pending.append(build_pool.submit(_build_days, builder, chunk, None, init, ctx.counters, sink))
            batch_days = max(1, BATCH_CLIENT_DAYS // chunk.size)
            first = 0
            parts: dict[str, list[dict[str, np.ndarray]]] = {name: [] for name in DAILY_TABLES}
            for day in range(ctx.days):
                rows, revenue = step_day(state, day_ctx, day)
                for name in DAILY_TABLES:
                    table_rows = rows[name]
                    table_rows["day"] = np.full(table_rows["client"].size, day, dtype=np.int32)
                    parts[name].append(table_rows)
                if recorder is not None:
                    recorder.record(day, rows["asset_snapshots"], revenue)
                if day + 1 - first == batch_days or day == ctx.days - 1:
                    batch = range(first, day + 1)
                    pending.append(build_pool.submit(_build_days, builder, chunk, batch, parts, ctx.counters, sink))
                    first, parts = day + 1, {name: [] for name in DAILY_TABLES}
                while len(pending) > BUILD_AHEAD_BATCHES:
                    pending.popleft().result()
                if bar is not None:
                    bar.update(chunk.size)
            while pending:
                pending.popleft().result()
            clients = to_arrow("clients", builder.clients())
            yield ChunkOutput(chunk, clients, recorder.table() if recorder else None, state, recorder)


def _build_days(
    builder: ColumnBuilder,
    chunk: Chunk,
    days: range | None,
    parts: dict[str, list[dict[str, np.ndarray]]],
    counters: dict[str, int],
    sink: DaySink,
) -> None:
    for name in DAILY_TABLES:
        if name in parts:
            sink(chunk, name, days, build_table(builder, name, parts.pop(name), counters))


def build_table(
    builder: ColumnBuilder, name: str, parts: list[dict[str, np.ndarray]], counters: dict[str, int]
) -> pa.Table:
    keys = [k for k in parts[0] if all(k in p for p in parts)] if parts else []
    rows = {k: np.concatenate([p[k] for p in parts]) for k in keys}
    table = to_arrow(name, builder.table(name, rows, counters.get(name, 0)))
    counters[name] = counters.get(name, 0) + table.num_rows
    return table


class OracleRecorder:
    """Collects the oracle of the sampled clients of one chunk as the days go by.

    ``as_of`` defaults to the window's as-of days (``oracle.as_of_days``). ``revenue`` carries
    on the cumulative revenue of the sampled clients at the end of each of the last
    REVENUE_WINDOW_DAYS days (slot ``day % REVENUE_WINDOW_DAYS``): what a tier needs, saved with
    the chunk's state so that ``next_day`` grades its new day exactly as a full run would.
    """

    def __init__(
        self,
        ctx: RunContext,
        state: ClientState,
        first_id: int,
        local: np.ndarray,
        market: Market,
        *,
        as_of: np.ndarray | None = None,
        revenue: np.ndarray | None = None,
    ) -> None:
        self.ctx, self.state, self.local, self.market = ctx, state, local, market
        self.first_id = first_id
        self.as_of = truth.as_of_days(ctx.days) if as_of is None else np.asarray(as_of, dtype=np.int64)
        self.as_of_set = set(self.as_of.tolist())
        ahead = self.as_of + truth.TIER_AHEAD
        self.tier_days = set(self.as_of.tolist()) | set(ahead[ahead < ctx.days].tolist())
        self.revenue = np.zeros((REVENUE_WINDOW_DAYS, local.size)) if revenue is None else revenue
        self.cum = None  # set on the first recorded day from the previous day's slot
        self.tier_at: dict[int, np.ndarray] = {}
        self.parts: list[dict[str, object]] = []

    def record(self, day: int, snapshot: dict[str, np.ndarray], revenue: np.ndarray) -> None:
        if self.cum is None:
            self.cum = self.revenue[(day - 1) % REVENUE_WINDOW_DAYS].copy() if day > 0 else np.zeros(self.local.size)
        self.cum += revenue[self.local]
        slot = day % REVENUE_WINDOW_DAYS
        if day in self.tier_days:
            aum = np.zeros(self.state.n)
            aum[snapshot["client"]] = snapshot["aum"]
            # The slot still holds the total at day - REVENUE_WINDOW_DAYS (zero before the window).
            self.tier_at[day] = value_tier(aum[self.local], self.cum - self.revenue[slot])
        self.revenue[slot] = self.cum
        if day in self.as_of_set:
            self._probabilities(day)

    def _probabilities(self, day: int) -> None:
        s = self.state
        opened = s.opened_day[self.local] <= day
        idx = self.local[opened]
        p_need = truth.need_probabilities(s, day, self.market.momentum(day))[idx]
        p_churn = truth.churn_probability(s, day)[idx]
        self.parts.append({"day": day, "idx": idx, "opened": opened, "p_need": p_need, "p_churn": p_churn})

    def table(self) -> pa.Table:
        columns: dict[str, list] = {k: [] for k in ("client", "day", "need", "churn", "now", "ahead")}
        for part in self.parts:
            day, opened = part["day"], part["opened"]
            columns["client"].append(part["idx"])
            columns["day"].append(np.full(part["idx"].size, day))
            columns["need"].append(part["p_need"])
            columns["churn"].append(part["p_churn"])
            columns["now"].append(self.tier_at[day][opened])
            ahead = self.tier_at.get(day + truth.TIER_AHEAD)
            columns["ahead"].append(ahead[opened] if ahead is not None else np.zeros(opened.sum(), dtype=np.int64))
        cat = {k: np.concatenate(v) if v else np.array([]) for k, v in columns.items()}
        client = cat["client"].astype(np.int64)
        day = cat["day"].astype(np.int64)
        need = cat["need"].reshape(-1, 6)
        out: dict[str, object] = {
            "client_id": fixed_width_ids("C", self.first_id + client + 1, 7),
            "as_of_date": dates(self.ctx.start, day),
        }
        for k, col in enumerate(truth.ORACLE_NEED_COLUMNS):
            out[col] = need[:, k]
        out["p_churn_60d"] = cat["churn"]
        out["tier_now"] = pick(TIERS, cat["now"].astype(np.int64) - 1)
        ahead = cat["ahead"].astype(np.int64)
        out["tier_90d"] = pick(TIERS, np.maximum(ahead - 1, 0), valid=ahead > 0)
        group = preference_group(self.state.combo[client], self.state.style[client])
        out["preference_group"] = fixed_width_ids("G", group, 2)
        return to_arrow("oracle", out)
