"""Behaviour of the synthetic brokerage: base rates, detectable signals, a calibrated oracle."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulator import NEEDS, Simulation, value_tier
from simulator.transcripts import NEED_PHRASES
from tests.simulator.outcomes import (
    client_of,
    daily_counts,
    day_of,
    realized,
    snapshot_matrix,
    window,
)

NEED_EVENT = {
    "equity_fund": "research_read",
    "fixed_income": "search",
    "margin_financing": "margin_page_view",
    "options": "options_page_view",
    "advisory": "advisory_page_view",
    "transfer_in": "transfer_page_view",
}


@pytest.fixture(scope="module")
def outcomes(large: Simulation) -> pd.DataFrame:
    frame = realized(large)
    frame["churned"] = churned_within(large, frame, 60)
    events = large["app_events"]
    cum = daily_counts(large, events[events["event_type"] == "login"], "event_at")
    t, c = frame["t"].to_numpy(), frame["client"].to_numpy()
    frame["logins_30d"] = cum[t + 1, c] - cum[np.maximum(t - 29, 0), c]
    frame["active"] = frame["logins_30d"] > 0
    return frame


def churned_within(sim: Simulation, frame: pd.DataFrame, horizon: int) -> np.ndarray:
    """Exit = aum under 20 % of the day before (the simulator's exit moves out all but a residual)."""
    aum = snapshot_matrix(sim, "aum")
    _, days, _ = window(sim)
    drop = np.zeros_like(aum, dtype=bool)
    drop[1:] = (aum[:-1] > 1_000) & (aum[1:] < 0.2 * aum[:-1])
    cum = np.vstack([np.zeros((1, aum.shape[1]), np.int32), drop.cumsum(axis=0)])
    t, c = frame["t"].to_numpy(), frame["client"].to_numpy()
    end = np.minimum(t + horizon, days - 1)
    return (cum[end + 1, c] - cum[t + 1, c]) > 0


def test_need_base_rates_per_30_days(large: Simulation, outcomes: pd.DataFrame) -> None:
    rows = outcomes[outcomes["full_horizon"] & outcomes["active"]]
    for need in NEEDS:
        assert 0.01 <= rows[need].mean() <= 0.10, (need, rows[need].mean())


def test_churn_base_rate(large: Simulation, outcomes: pd.DataFrame) -> None:
    _, days, _ = window(large)
    rows = outcomes[outcomes["active"] & (outcomes["t"] + 60 <= days - 1)]
    assert 0.01 <= rows["churned"].mean() <= 0.08
    p = large.oracle.loc[rows.index, "p_churn_60d"]
    assert 0.01 <= p.mean() <= 0.08


def need_views(sim: Simulation) -> dict[str, pd.DataFrame]:
    """Per need, the app events that signal it (product pages of its product types, or its page)."""
    events = sim["app_events"].merge(sim["products"][["product_id", "product_type"]], on="product_id", how="left")
    product_view = events["event_type"] == "product_page_view"
    out = {
        "equity_fund": events[product_view & (events["product_type"] == "equity_fund")],
        "fixed_income": events[product_view & events["product_type"].isin(["bond_fund", "wealth_product"])],
    }
    for need in ("margin_financing", "options", "advisory", "transfer_in"):
        out[need] = events[events["event_type"] == NEED_EVENT[need]]
    return out


def test_page_views_precede_fulfilment(large: Simulation, outcomes: pd.DataFrame) -> None:
    """Clients browse a need's pages in the 14 days before fulfilling it, far more than usual."""
    fulfil = realized_by_day(large)
    rows = outcomes[outcomes["active"]]
    t, c = rows["t"].to_numpy(), rows["client"].to_numpy()
    for need, views in need_views(large).items():
        cum = daily_counts(large, views, "event_at")
        day, client = np.nonzero(fulfil[need][1:])  # fulfilment days
        keep = day >= 14
        day, client = day[keep], client[keep]
        before = (cum[day, client] - cum[day - 14, client]) > 0  # the 14 days before the fulfilment day
        usual = ((cum[t + 1, c] - cum[np.maximum(t - 13, 0), c]) > 0).mean()
        assert before.mean() > 0.6, (need, before.mean())
        assert before.mean() > 3 * usual, (need, before.mean(), usual)


def test_transcripts_mention_needs(large: Simulation, outcomes: pd.DataFrame) -> None:
    """A client who will fulfil a need soon mentions it far more often than others do."""
    si = large["service_interactions"]
    start, days, _ = window(large)
    d, c = day_of(si["occurred_at"], start), client_of(si["client_id"])
    fulfil = realized_by_day(large)
    for k, need in enumerate(NEEDS):
        phrases = [p for lang in NEED_PHRASES for p in NEED_PHRASES[lang][k]]
        mentions = si["transcript"].str.contains("|".join(phrases), regex=True).to_numpy()
        soon = np.array([fulfil[need][day + 2 : day + 32, client].any() for day, client in zip(d, c, strict=True)])
        assert mentions[soon].mean() > 3 * mentions[~soon].mean(), need
    assert si["transcript"].str.contains("两融").any() and si["transcript"].str.contains("bond funds").any()


def realized_by_day(sim: Simulation) -> dict[str, np.ndarray]:
    from tests.simulator.outcomes import fulfilment_events

    return {need: np.diff(cum, axis=0, prepend=0) > 0 for need, cum in fulfilment_events(sim).items()}


def test_churners_log_in_less_and_move_money_out(large: Simulation, outcomes: pd.DataFrame) -> None:
    rows = outcomes[outcomes["active"]]
    logins = rows.groupby("churned")["logins_30d"].mean()
    assert logins[True] / logins[False] < 0.6
    bt = large["bank_transfers"]
    out = bt[bt["direction"] == "out"]
    cum = daily_counts(large, out, "transferred_at")
    t, c = rows["t"].to_numpy(), rows["client"].to_numpy()
    outs = cum[t + 1, c] - cum[np.maximum(t - 29, 0), c]
    churned = rows["churned"].to_numpy()
    assert outs[churned].mean() > 2 * outs[~churned].mean()


def test_oracle_is_calibrated(large: Simulation, outcomes: pd.DataFrame) -> None:
    oracle = large.oracle
    full = outcomes["full_horizon"].to_numpy()
    for need in NEEDS:
        p = oracle[f"p_{need}_30d"].to_numpy()[full]
        y = outcomes[need].to_numpy()[full]
        assert abs(p.mean() - y.mean()) < 0.2 * y.mean() + 0.002, need
        bins = pd.qcut(pd.Series(p).rank(method="first"), 10, labels=False)
        by_bin = pd.DataFrame({"p": p, "y": y, "bin": bins}).groupby("bin").mean()
        assert np.corrcoef(by_bin["p"], by_bin["y"])[0, 1] > 0.9, need
        assert by_bin["y"].iloc[-1] > 5 * max(by_bin["y"].iloc[:5].mean(), 1e-4), need
    _, days, _ = window(large)
    rows = (outcomes["t"] + 60 <= days - 1).to_numpy()
    p, y = oracle["p_churn_60d"].to_numpy()[rows], outcomes["churned"].to_numpy()[rows]
    assert abs(p.mean() - y.mean()) < 0.25 * y.mean()


def test_targeted_contacts_convert_three_times_the_base(large: Simulation) -> None:
    contacts = large["campaign_contacts"]
    start, _, _ = window(large)
    oracle = large.oracle.assign(t=day_of(large.oracle["as_of_date"], start))
    contacts = contacts.assign(t=day_of(contacts["contacted_at"], start))
    converted = contacts["outcome"] == "converted"
    base = converted.mean()
    assert 0.01 <= base <= 0.10
    # Score each contact with the oracle as of the latest as-of date before it.
    as_of = np.sort(oracle["t"].unique())
    contacts["as_of"] = as_of[np.maximum(np.searchsorted(as_of, contacts["t"], side="left") - 1, 0)]
    long = oracle.melt(id_vars=["client_id", "t"], value_vars=[f"p_{n}_30d" for n in NEEDS], var_name="need")
    long["need"] = long["need"].str.slice(2, -4)
    scored = contacts.merge(long, left_on=["client_id", "as_of", "need"], right_on=["client_id", "t", "need"])
    top = scored["value"] >= scored["value"].quantile(0.9)
    assert (scored.loc[top, "outcome"] == "converted").mean() >= 3 * base


def test_oracle_tiers_follow_the_documented_rule(large: Simulation) -> None:
    start, days, n = window(large)
    revenue = np.zeros((days, n))
    trades = large["trades"]
    np.add.at(revenue, (day_of(trades["traded_at"], start), client_of(trades["client_id"])), trades["commission"])
    orders = large["product_orders"]
    np.add.at(revenue, (day_of(orders["ordered_at"], start), client_of(orders["client_id"])), orders["fee"])
    revenue += snapshot_matrix(large, "margin_debt") * 0.06 / 365
    cum = np.vstack([np.zeros((1, n)), revenue.cumsum(axis=0)])
    aum = snapshot_matrix(large, "aum")
    oracle = large.oracle
    t, c = day_of(oracle["as_of_date"], start), client_of(oracle["client_id"])
    trailing = cum[t + 1, c] - cum[np.maximum(t - 89, 0), c]
    expected = value_tier(aum[t, c], trailing)
    got = oracle["tier_now"].str.slice(1).astype(int).to_numpy()
    assert (got == expected).mean() > 0.999
    ahead = t + 90 <= days - 1
    assert oracle["tier_90d"].isna().to_numpy().tolist() == (~ahead).tolist()
    t2 = t[ahead] + 90
    expected_ahead = value_tier(aum[t2, c[ahead]], cum[t2 + 1, c[ahead]] - cum[t2 - 89, c[ahead]])
    got_ahead = oracle["tier_90d"][ahead].str.slice(1).astype(int).to_numpy()
    assert (got_ahead == expected_ahead).mean() > 0.999
    moved = (got_ahead != got[ahead]).mean()
    assert 0.01 < moved < 0.5  # tiers move, but most clients keep theirs over 90 days


def test_fifteen_preference_groups(large: Simulation) -> None:
    groups = large.oracle["preference_group"]
    assert set(groups) == {f"G{k:02d}" for k in range(1, 16)}
