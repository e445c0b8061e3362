"""How well can anyone predict the value tier 90 days ahead? A ceiling from the simulator itself.

The tier in 90 days depends on what has not happened yet: market moves, salaries, needs that arise
and are fulfilled, clients who decide to leave. The best possible predictor knows the latent state
on the as-of date (which no feature fully shows) and the distribution of everything after it. This
module estimates it: simulate to the as-of day, then replay the next 90 days ``replays`` times with
fresh randomness (client streams and the market path after the as-of day), and predict each client's
most frequent tier across the replays (or a move when enough replays move, see ``grade``). Graded
against the run's own realized tier (one more draw from the same distribution), its macro-F1 is a
ceiling for any model on these rows, beside the "tier stays the same" baseline. The clients are the
run's first chunk with the run's own streams, so today's and the realized tiers are the run's (the
oracle's ``tier_now`` and ``tier_90d``).

    uv run --frozen python -m benchmarks.tier_ceiling --clients 10000 --days 365 --as-of 245 --replays 20
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import time

import numpy as np
from sklearn.metrics import f1_score

from simulator.campaigns import draw_calendar
from simulator.day import DayContext, step_day
from simulator.engine import INIT_STREAM
from simulator.market import N_SYMBOLS, Market, draw_market
from simulator.population import draw_clients
from simulator.presets import CHUNK_CLIENTS, DEFAULT_START
from simulator.shelf import build_shelf
from simulator.state import ClientState
from simulator.tiers import REVENUE_WINDOW_DAYS, value_tier

HORIZON = 90
REPLAY_STREAM = 2_000_017  # keeps replay seeds apart from the run's own


def replay_market(market: Market, other: Market, as_of: int) -> Market:
    """``market`` up to the as-of day, then ``other``'s moves (a different future) from there on."""

    def splice_log(base: np.ndarray, alt: np.ndarray) -> np.ndarray:
        return np.concatenate([base[: as_of + 1], base[as_of] + alt[as_of + 1 :] - alt[as_of]])

    def splice_ratio(base: np.ndarray, alt: np.ndarray) -> np.ndarray:
        level = base[..., as_of : as_of + 1] / alt[..., as_of : as_of + 1]
        return np.concatenate([base[..., : as_of + 1], level * alt[..., as_of + 1 :]], axis=-1)

    return dataclasses.replace(
        market,
        log_index=splice_log(market.log_index, other.log_index),
        bond_index=splice_ratio(market.bond_index, other.bond_index),
        symbol_price=splice_ratio(market.symbol_price, other.symbol_price),
    )


def tiers_ahead(state: ClientState, ctx: DayContext, first_day: int, revenue_before: np.ndarray) -> np.ndarray:
    """Step ``state`` through ``first_day`` .. ``first_day + 89``; the tier on the last of those days.

    ``revenue_before``: revenue of the days in the last day's trailing window that precede
    ``first_day`` (none when the window starts on it).
    """
    revenue = revenue_before.copy()
    for day in range(first_day, first_day + HORIZON):
        rows, earned = step_day(state, ctx, day)
        revenue += earned
    aum = np.zeros(state.n)
    snap = rows["asset_snapshots"]
    aum[snap["client"]] = snap["aum"]
    return value_tier(aum, revenue)


@dataclasses.dataclass(frozen=True)
class Replays:
    """Per client opened by the as-of day: today's tier, the run's own tier 90 days on, and how many
    replayed futures ended in each tier (columns T1..T5)."""

    tier_now: np.ndarray
    realized: np.ndarray
    counts: np.ndarray


def replay(clients: int, days: int, as_of: int, replays: int, seed: int = 7) -> Replays:
    """Simulate the first ``clients`` clients of a run (its first chunk, the same streams) to the
    as-of day, then its own future and ``replays`` other ones."""
    if as_of + HORIZON >= days:
        raise ValueError(f"as-of day {as_of} + {HORIZON} must fall inside the {days}-day window")
    if clients > CHUNK_CLIENTS:
        raise ValueError(f"one chunk of at most {CHUNK_CLIENTS:,} clients: the run's streams are per chunk")
    market = draw_market(seed, days)
    shelf, calendar = build_shelf(market), draw_calendar(seed, days)
    rng = np.random.default_rng([seed, 0, INIT_STREAM])
    state, _ = draw_clients(rng, clients, clients, days, N_SYMBOLS, market.symbol_popularity)
    ctx = DayContext(seed, 0, DEFAULT_START, market, shelf, calendar)
    revenue_now = np.zeros(clients)
    aum_now = np.zeros(clients)
    for day in range(as_of + 1):
        rows, earned = step_day(state, ctx, day)
        if day > as_of - REVENUE_WINDOW_DAYS:
            revenue_now += earned
    snap = rows["asset_snapshots"]
    aum_now[snap["client"]] = snap["aum"]
    opened = state.opened_day <= as_of
    tier_now = value_tier(aum_now, revenue_now)
    at_as_of = copy.deepcopy(state)
    realized = tiers_ahead(state, ctx, as_of + 1, np.zeros(clients))
    counts = np.zeros((clients, 5), dtype=np.int64)
    for r in range(replays):
        replay_seed = seed * 1_000 + REPLAY_STREAM + r
        future = replay_market(market, draw_market(replay_seed, days), as_of)
        replay_ctx = DayContext(replay_seed, 0, DEFAULT_START, future, shelf, calendar)
        tiers = tiers_ahead(copy.deepcopy(at_as_of), replay_ctx, as_of + 1, np.zeros(clients))
        counts[np.arange(clients), tiers - 1] += 1
    return Replays(tier_now[opened], realized[opened], counts[opened])


def move_shares(replays: Replays) -> tuple[np.ndarray, np.ndarray]:
    """Per client, the share of replays that end above and below today's tier."""
    tiers = np.arange(1, 6)[None, :]
    now = replays.tier_now[:, None]
    total = replays.counts.sum(axis=1)
    up = (replays.counts * (tiers > now)).sum(axis=1) / total
    down = (replays.counts * (tiers < now)).sum(axis=1) / total
    return up, down


def grade(replays: Replays) -> dict[str, float]:
    """Macro-F1 of the replays' predictions beside the baseline's, graded on the run's own future.

    Two predictors: the most frequent replayed tier (ties go to today's tier when it is among them,
    else the lower), and "move when at least a share ``s`` of the replays move" (then to the most
    frequent tier on that side), with the ``s`` that scores best — a predictor that trades accuracy
    for macro-F1 as a model with decision thresholds can. The second is fitted on the graded rows,
    so it is slightly optimistic: a ceiling, not an estimate.
    """
    y, now, counts = replays.realized, replays.tier_now, replays.counts
    labels = np.arange(1, 6)
    tiers = labels[None, :]

    def f1(predicted: np.ndarray) -> float:
        return float(f1_score(y, predicted, labels=labels, average="macro", zero_division=0))

    counts_tie = counts * 2 + (tiers == now[:, None])
    plurality = np.argmax(counts_tie, axis=1) + 1
    up_share, down_share = move_shares(replays)
    best_up = np.argmax(np.where(tiers > now[:, None], counts, -1), axis=1) + 1
    best_down = np.argmax(np.where(tiers < now[:, None], counts, -1), axis=1) + 1
    thresholded = {}
    for share in np.linspace(0.1, 0.9, 17):
        predicted = now.copy()
        rise = (up_share >= share) & (up_share >= down_share)
        fall = (down_share >= share) & (down_share > up_share)
        predicted[rise], predicted[fall] = best_up[rise], best_down[fall]
        thresholded[float(share)] = predicted
    best_share = max(thresholded, key=lambda s: f1(thresholded[s]))
    best = thresholded[best_share]
    up, down = y > now, y < now
    return {
        "clients": float(len(y)),
        "moved_share": float((y != now).mean()),
        "baseline_macro_f1": f1(now),
        "ceiling_macro_f1": f1(plurality),
        "ceiling_up_recall": float((plurality[up] > now[up]).mean()) if up.any() else float("nan"),
        "ceiling_down_recall": float((plurality[down] < now[down]).mean()) if down.any() else float("nan"),
        "thresholded_macro_f1": f1(best),
        "thresholded_share": best_share,
        "thresholded_up_recall": float((best[up] > now[up]).mean()) if up.any() else float("nan"),
        "thresholded_down_recall": float((best[down] < now[down]).mean()) if down.any() else float("nan"),
        # How often the replays agree with each other: a move the replays do not agree on is noise.
        "mean_top_tier_share": float((counts.max(axis=1) / counts.sum(axis=1)).mean()),
    }


def ceiling(clients: int, days: int, as_of: int, replays: int, seed: int = 7) -> dict[str, float]:
    return grade(replay(clients, days, as_of, replays, seed))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--as-of", type=int, nargs="+", default=[245])
    parser.add_argument("--replays", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    for as_of in args.as_of:
        started = time.perf_counter()
        result = ceiling(args.clients, args.days, as_of, args.replays, args.seed)
        figures = ", ".join(f"{k} {v:.4f}" for k, v in result.items())
        print(f"as-of day {as_of}: {figures} ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
