"""One simulated day of a chunk of clients: latent state moves, landing rows come out.

Order within the day: lulls and churn decisions, market moves, salary and withdrawals,
leaving clients' outflows, campaign contacts, needs resolving (orders, margin, transfers)
and arising, app events, trades, background redemptions, reassessments, do-not-contact
flags, service interactions, and finally the end-of-day snapshot.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np

from simulator import churn, needs
from simulator.campaigns import Calendar, contacts_today
from simulator.codes import (
    ADVISORY,
    EQUITY,
    FIXED,
    MARGIN,
    NEED_PRODUCT_TYPES,
    OPTIONS,
    PRODUCT_TYPES,
    SUBSCRIBE_FEE,
    TRANSFER,
)
from simulator.events import app_events_today
from simulator.market import Market
from simulator.service import interactions_today
from simulator.shelf import Shelf
from simulator.state import NEVER, UNDECIDED, ClientState
from simulator.tiers import daily_margin_interest
from simulator.trades import trades_today

STOCK_PICKING_VOL = 0.009
FUND_BETA = 0.6
MAX_MARGIN_TO_EQUITY = 0.5
SALARY_CAP = 45_000.0  # routine transfers stay below the 50,000 of a transfer-in need
FUNDING_CAP = 45_000.0
LARGE_TRANSFER = 50_000.0
WITHDRAW_RATE = 0.006
OUTFLOW_DAY_SHARE = 0.25  # a leaving client moves money out on about one day in four
REDEEM_RATE = 0.002
REASSESS_VALID = 1 / 700
REASSESS_EXPIRED = 1 / 250
DNC_RATE = 0.01 / 365
ADVISORY_FEES = np.array([1_980.0, 5_800.0, 12_800.0, 29_800.0])
# Snapshot holding a product type's subscription lands in (cash=0 .. wealth=4; advisory: none).
_HOLDING_OF_TYPE = {
    "equity_fund": 2,
    "bond_fund": 3,
    "wealth_product": 4,
    "money_market": 4,
    "option": 1,
    "structured_note": 4,
}


@dataclass(frozen=True)
class DayContext:
    seed: int
    chunk: int
    start: datetime.date
    market: Market
    shelf: Shelf
    calendar: Calendar


class Ledger:
    """Rows of the money tables collected during the day."""

    def __init__(self) -> None:
        self.transfers: dict[str, list[np.ndarray]] = {"client": [], "second": [], "direction": [], "amount": []}
        self.orders: dict[str, list[np.ndarray]] = {
            k: [] for k in ("client", "second", "product", "side", "amount", "fee")
        }

    def transfer(self, client: np.ndarray, second: np.ndarray, direction: int, amount: np.ndarray) -> None:
        keep = amount >= 0.01
        self.transfers["client"].append(client[keep])
        self.transfers["second"].append(np.asarray(second)[keep])
        self.transfers["direction"].append(np.full(int(keep.sum()), direction, dtype=np.int8))
        self.transfers["amount"].append(np.round(amount[keep], 2))

    def order(self, client: np.ndarray, second: np.ndarray, product: np.ndarray, side: int, amount, fee) -> None:
        self.orders["client"].append(client)
        self.orders["second"].append(np.asarray(second))
        self.orders["product"].append(product)
        self.orders["side"].append(np.full(client.size, side, dtype=np.int8))
        self.orders["amount"].append(np.round(amount, 2))
        self.orders["fee"].append(np.round(fee, 2))

    def rows(self) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        def cat(d: dict[str, list[np.ndarray]]) -> dict[str, np.ndarray]:
            out = {k: np.concatenate(v) if v else np.array([]) for k, v in d.items()}
            order = np.lexsort((out["second"], out["client"])) if out["client"].size else np.array([], dtype=int)
            return {k: v[order] for k, v in out.items()}

        return cat(self.transfers), cat(self.orders)


def step_day(state: ClientState, ctx: DayContext, day: int) -> tuple[dict[str, dict[str, np.ndarray]], np.ndarray]:
    """Advance ``state`` through ``day``; returns the day's rows per table and each client's revenue."""
    rng = np.random.default_rng([ctx.seed, ctx.chunk, 7, day])
    date = ctx.start + datetime.timedelta(days=day)
    weekday = date.weekday() < 5
    n = state.n
    ledger = Ledger()
    rows: dict[str, dict[str, np.ndarray]] = {}
    aum_prev = state.aum()

    start_lull = churn.alive(state, day) & (state.quiet_until <= day) & (rng.random(n) < churn.QUIET_SPELLS_PER_DAY)
    state.quiet_until[start_lull] = day + rng.integers(*churn.QUIET_DAYS, int(start_lull.sum()))
    churn.decide(rng, state, day)
    alive = churn.alive(state, day)
    act = churn.activity(state, day)
    opened = state.opened_day <= day

    _market_moves(rng, state, ctx.market, day, opened)
    _routine_flows(rng, state, ledger, date, alive)
    _leaving_outflows(rng, state, ctx.shelf, ledger, day)

    dnc_before = state.dnc.copy()
    contacts, convert, spark = contacts_today(rng, state, ctx.calendar, day, weekday, alive)
    rows["campaign_contacts"] = contacts
    revenue = np.zeros(n)
    risk_rows: list[tuple[np.ndarray, np.ndarray]] = []
    _resolve_needs(rng, state, ctx.shelf, ledger, day, alive, convert, aum_prev, risk_rows)
    _arise_needs(rng, state, ctx.market.momentum(day), act, alive, spark, day)

    active = state.need_since >= 0
    allowed = np.maximum(state.valid_level(day), 1)
    rows["app_events"] = app_events_today(rng, state, ctx.shelf, act, active, allowed, weekday)
    if weekday:
        trades = trades_today(rng, state, ctx.market, act, day)
        commission = np.bincount(trades["client"], weights=trades["commission"], minlength=n)
        state.cash = np.maximum(state.cash - commission, 0.0)
        revenue += commission
    else:
        trades = trades_today(rng, state, ctx.market, np.zeros(n), day)
    rows["trades"] = trades
    _background_redeems(rng, state, ctx.shelf, ledger, alive)
    risk_rows.append(_reassess(rng, state, day, alive))
    rows["risk_assessments"] = _risk_rows(risk_rows)
    rows["do_not_contact"] = _dnc_today(rng, state, alive, dnc_before)
    leaving = (state.churn_day != UNDECIDED) & (day >= state.churn_day - state.decay_len)
    rows["service_interactions"] = interactions_today(rng, state, act, active, leaving, alive)

    state.margin = np.minimum(state.margin, MAX_MARGIN_TO_EQUITY * state.equity)
    rows["bank_transfers"], rows["product_orders"] = ledger.rows()
    revenue += np.bincount(
        rows["product_orders"]["client"].astype(np.int64), weights=rows["product_orders"]["fee"], minlength=n
    )
    rows["asset_snapshots"] = snapshot_money(state, np.flatnonzero(opened))
    revenue += daily_margin_interest(np.round(state.margin, 2))  # interest on the day's closing debt
    return rows, revenue


def snapshot_money(state: ClientState, client: np.ndarray) -> dict[str, np.ndarray]:
    """End-of-day holdings as the snapshot table shows them (rounded to the fen)."""
    out = {"client": client}
    parts = ("cash", "equity", "fund", "bond", "wealth_product")
    for name, arr in zip(parts, (state.cash, state.equity, state.fund, state.bond, state.wealth), strict=True):
        out[name] = np.round(np.maximum(arr[client], 0.0), 2)
    out["margin_debt"] = np.round(state.margin[client], 2)
    out["aum"] = np.round(sum(out[p] for p in parts) - out["margin_debt"], 2)
    return out


def _market_moves(rng: np.random.Generator, state: ClientState, market: Market, day: int, opened: np.ndarray) -> None:
    d_index = market.log_index[day] - market.log_index[day - 1] if day > 0 else 0.0
    ratio = (lambda a: a[day] / a[day - 1]) if day > 0 else (lambda a: 1.0)
    noise = STOCK_PICKING_VOL * rng.standard_normal(state.n)
    grow = np.where(opened, np.exp(state.beta * d_index + noise), 1.0)
    state.equity *= grow
    state.fund *= np.exp(FUND_BETA * d_index)
    state.bond *= ratio(market.bond_index)
    state.wealth *= ratio(market.wealth_index)


def _seconds(rng: np.random.Generator, size: int, lo_hour: float, hi_hour: float) -> np.ndarray:
    return rng.integers(int(lo_hour * 3600), int(hi_hour * 3600), size)


def _routine_flows(
    rng: np.random.Generator, state: ClientState, ledger: Ledger, date: datetime.date, alive: np.ndarray
) -> None:
    paid = np.flatnonzero(alive & (state.payday == date.day))
    amount = np.minimum(state.income[paid] * rng.uniform(0.7, 1.3, paid.size), SALARY_CAP)
    state.cash[paid] += np.round(amount, 2)
    ledger.transfer(paid, _seconds(rng, paid.size, 8, 22), 0, amount)
    out = np.flatnonzero(alive & (rng.random(state.n) < WITHDRAW_RATE) & (state.cash >= 1_000))
    amount = np.round(state.cash[out] * rng.uniform(0.05, 0.4, out.size), 2)
    state.cash[out] -= amount
    ledger.transfer(out, _seconds(rng, out.size, 8, 22), 1, amount)


def _leaving_outflows(rng: np.random.Generator, state: ClientState, shelf: Shelf, ledger: Ledger, day: int) -> None:
    """Assets of a leaving client drift out in lumps (redemptions, then a transfer out);
    on the exit day all but the residual goes."""
    decided = state.churn_day != UNDECIDED
    fading = decided & (day >= state.churn_day - state.decay_len) & (day < state.churn_day)
    exit_now = decided & (day == state.churn_day)
    keep = np.where(exit_now, state.drift_floor * state.residual, 0.0)
    fade_keep = state.drift_floor + (1 - state.drift_floor) * churn.fade(state, day)
    keep = np.where(fading, fade_keep, keep)
    move = exit_now | (fading & (rng.random(state.n) < OUTFLOW_DAY_SHARE) & (fade_keep < state.moved_keep))
    idx = np.flatnonzero(move)
    if not idx.size:
        return
    factor = keep[idx] / state.moved_keep[idx]
    state.moved_keep[idx] = keep[idx]
    second = _seconds(rng, idx.size, 9.5, 14.5)
    for holding, type_name in ((2, "equity_fund"), (3, "bond_fund"), (4, "wealth_product")):
        arr = (state.cash, state.equity, state.fund, state.bond, state.wealth)[holding]
        amount = arr[idx] * (1 - factor)
        big = amount >= 1_000
        products = shelf.of_type(type_name)
        ledger.order(
            idx[big],
            second[big],
            products[rng.integers(0, products.size, int(big.sum()))],
            1,
            amount[big],
            np.zeros(int(big.sum())),
        )
    repay = np.where(exit_now[idx], state.margin[idx], state.margin[idx] * (1 - factor))
    total = (state.cash[idx] + state.equity[idx] + state.fund[idx] + state.bond[idx] + state.wealth[idx]) * (
        1 - factor
    ) - repay
    for arr in (state.cash, state.equity, state.fund, state.bond, state.wealth):
        arr[idx] *= factor
    state.margin[idx] -= repay
    state.equity[idx] = np.maximum(state.equity[idx], 0.0)
    ledger.transfer(idx, second + 1_800, 1, np.maximum(total, 0.0))


def _resolve_needs(
    rng: np.random.Generator,
    state: ClientState,
    shelf: Shelf,
    ledger: Ledger,
    day: int,
    alive: np.ndarray,
    convert: np.ndarray,
    aum_prev: np.ndarray,
    risk_rows: list[tuple[np.ndarray, np.ndarray]],
) -> np.ndarray:
    """Active needs resolve (fulfilled or abandoned); campaign conversions fulfil at once."""
    n = state.n
    fees = np.zeros(n)
    since = state.need_since
    ready = (since >= 0) & (day >= since + needs.MIN_DELAY) & alive[:, None]
    resolve = ready & (rng.random((n, 6)) < needs.RESOLVE_RATE)
    fulfil = resolve & (rng.random((n, 6)) < needs.FULFIL[None, :])
    fulfil |= convert & alive[:, None]
    resolve |= convert & alive[:, None]
    for k in range(6):
        who = np.flatnonzero(fulfil[:, k])
        if not who.size:
            continue
        if k in NEED_PRODUCT_TYPES:
            who = _suitable_or_reassess(rng, state, day, k, who, risk_rows)
            allowed = np.maximum(state.valid_level_of(day, who), 1)
            fees += _subscribe(rng, state, shelf, ledger, k, who, allowed)
        elif k == MARGIN:
            who = who[(state.margin[who] <= 0) & (state.aum_of(who) > 0)]
            amount = np.round(rng.uniform(0.1, 0.35, who.size) * state.aum_of(who), 2)
            state.margin[who] += amount
            state.equity[who] += amount
        elif k == TRANSFER:
            amount = np.maximum(LARGE_TRANSFER, rng.uniform(0.25, 1.0, who.size) * np.maximum(aum_prev[who], 0.0))
            amount = np.round(amount, 2)
            state.cash[who] += amount
            ledger.transfer(who, _seconds(rng, who.size, 8, 20), 0, amount)
    state.need_since[resolve] = NEVER
    return fees


def _suitable_or_reassess(
    rng: np.random.Generator,
    state: ClientState,
    day: int,
    k: int,
    who: np.ndarray,
    risk_rows: list[tuple[np.ndarray, np.ndarray]],
) -> np.ndarray:
    """Clients whose level allows the need's products; half of the others retake the questionnaire."""
    need_level = needs.REQUIRED_LEVEL[k]
    allowed = np.maximum(state.valid_level_of(day, who), 1)
    short = who[allowed < need_level]
    retake = short[rng.random(short.size) < needs.REASSESS_SHARE]
    shift = rng.choice([-1, 0, 1], retake.size, p=[0.15, 0.70, 0.15])
    state.risk_level[retake] = np.clip(state.risk_level[retake] + shift, 1, 5)
    state.assessed_day[retake] = day
    risk_rows.append((retake, state.risk_level[retake].copy()))
    ok = np.maximum(state.valid_level_of(day, who), 1) >= need_level
    return who[ok]


def _subscribe(
    rng: np.random.Generator,
    state: ClientState,
    shelf: Shelf,
    ledger: Ledger,
    k: int,
    who: np.ndarray,
    allowed: np.ndarray,
) -> np.ndarray:
    """Subscribe a suitable product of the need's type, topping cash up from the bank if short."""
    fees = np.zeros(state.n)
    if not who.size:
        return fees
    product = shelf.buy(rng.random(who.size), allowed, k)
    aum = np.maximum(state.aum_of(who), 0.0)
    if k == ADVISORY:
        target = ADVISORY_FEES[np.searchsorted([200_000.0, 1_000_000.0, 5_000_000.0], aum)]
    elif k == OPTIONS:
        target = np.maximum(1_000.0, aum * rng.uniform(0.01, 0.05, who.size))
    else:
        target = np.maximum(1_000.0, aum * rng.uniform(0.05, 0.25, who.size))
    second = _seconds(rng, who.size, 9.5, 15)
    top_up = np.minimum(np.maximum(target - state.cash[who], 0.0), FUNDING_CAP)
    top_up = np.where(top_up > 0, np.minimum(top_up + 100.0, FUNDING_CAP), 0.0)
    state.cash[who] += np.round(top_up, 2)
    ledger.transfer(who, second - 600, 0, top_up)
    amount = np.round(np.minimum(target, state.cash[who]), 2)
    types = shelf.type_index[product]
    rate = np.array([SUBSCRIBE_FEE[t] for t in PRODUCT_TYPES])[types]
    fee = np.round(amount * rate, 2)
    state.cash[who] -= amount
    for type_name, holding in _HOLDING_OF_TYPE.items():
        sel = types == PRODUCT_TYPES.index(type_name)
        arr = (state.cash, state.equity, state.fund, state.bond, state.wealth)[holding]
        arr[who[sel]] += amount[sel] - fee[sel]
    ledger.order(who, second, product, 0, amount, fee)
    np.add.at(fees, who, fee)
    return fees


def _arise_needs(
    rng: np.random.Generator,
    state: ClientState,
    momentum: float,
    act: np.ndarray,
    alive: np.ndarray,
    spark: np.ndarray,
    day: int,
) -> None:
    idle = state.need_since < 0
    hazard = needs.daily_hazard(state.need_base, state.aum(), state.margin, momentum, act)
    arise = idle & alive[:, None] & ((rng.random(hazard.shape) < hazard) | spark)
    state.need_since[arise] = day


def _background_redeems(
    rng: np.random.Generator, state: ClientState, shelf: Shelf, ledger: Ledger, alive: np.ndarray
) -> None:
    """Routine rebalancing: part of a fund or wealth-product holding goes back to cash."""
    for holding, type_name in ((2, "equity_fund"), (4, "wealth_product")):
        arr = (state.cash, state.equity, state.fund, state.bond, state.wealth)[holding]
        who = np.flatnonzero(alive & (arr >= 5_000) & (rng.random(state.n) < REDEEM_RATE))
        amount = np.round(arr[who] * rng.uniform(0.1, 0.5, who.size), 2)
        arr[who] -= amount
        state.cash[who] += amount
        products = shelf.of_type(type_name)
        product = products[rng.integers(0, products.size, who.size)]
        ledger.order(who, _seconds(rng, who.size, 9.5, 15), product, 1, amount, np.zeros(who.size))


def _reassess(rng: np.random.Generator, state: ClientState, day: int, alive: np.ndarray) -> tuple:
    valid = state.valid_level(day) > 0
    p = np.where(valid, REASSESS_VALID, REASSESS_EXPIRED)
    who = np.flatnonzero(alive & (rng.random(state.n) < p))
    shift = rng.choice([-1, 0, 1], who.size, p=[0.15, 0.70, 0.15])
    state.risk_level[who] = np.clip(state.risk_level[who] + shift, 1, 5)
    state.assessed_day[who] = day
    return who, state.risk_level[who].copy()


def _risk_rows(parts: list[tuple[np.ndarray, np.ndarray]]) -> dict[str, np.ndarray]:
    client = np.concatenate([p[0] for p in parts])
    level = np.concatenate([p[1] for p in parts])
    order = np.argsort(client, kind="stable")
    return {"client": client[order], "level": level[order].astype(np.int8)}


def _dnc_today(
    rng: np.random.Generator, state: ClientState, alive: np.ndarray, before: np.ndarray
) -> dict[str, np.ndarray]:
    annoyed = state.dnc & ~before
    asked = alive & ~state.dnc & (rng.random(state.n) < DNC_RATE)
    state.dnc |= asked
    client = np.flatnonzero(annoyed | asked)
    reason = np.where(annoyed[client], 1, rng.choice([0, 2], client.size, p=[0.8, 0.2])).astype(np.int8)
    return {"client": client, "reason": reason}


__all__ = ["EQUITY", "FIXED", "OPTIONS", "DayContext", "step_day"]
