"""The market feature: what the trade tape says of the market, known at the end of each day.

A small simulated brokerage goes through the real dbt project up to the client features. The
momentum must follow the simulated market index (which moves the needs' hazards), be the documented
computation over the staged trades, and reach every client's feature row as of the last trading day
on or before the as-of date, never a later one.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from simulator.market import draw_market
from simulator.presets import DEFAULT_START
from tests.warehouse.state import dbt, land

CLIENTS, DAYS, SEED = 800, 120, 5
WINDOW_DAYS, STALE_DAYS = 20, 10


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    home = land(tmp_path_factory.mktemp("market-home"), CLIENTS, DAYS, SEED)
    dbt(home, "run", "--select", "+mart_client_features")
    return home


def _query(home: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(home / "warehouse" / "wealthpulse.duckdb"), read_only=True) as con:
        return con.sql(sql).df()


def _market(home: Path) -> pd.DataFrame:
    market = _query(home, "select * from int_market_daily order by market_on")
    market["market_on"] = pd.to_datetime(market["market_on"])
    return market


def test_momentum_follows_the_simulated_market_index(home: Path):
    market = _market(home)
    assert len(market) > 40
    truth = draw_market(SEED, DAYS)
    days = (market["market_on"] - pd.Timestamp(DEFAULT_START)).dt.days.to_numpy()
    expected = np.array([truth.momentum(int(d)) for d in days])
    # About 60 symbols trade on a day of this small book (each with its own noise): at 50,000
    # clients about 300 do and the median follows the index more closely still.
    correlation = np.corrcoef(market["market_momentum_20d"], expected)[0, 1]
    assert correlation > 0.9, correlation
    assert np.abs(market["market_momentum_20d"] - expected).median() < 0.02


def test_momentum_is_the_median_log_return_of_each_symbols_traded_price(home: Path):
    trades = _query(home, "select symbol, traded_on, price, quantity from stg_landing__trades")
    trades["traded_on"] = pd.to_datetime(trades["traded_on"])
    trades["value"] = trades["price"] * trades["quantity"]
    daily = trades.groupby(["symbol", "traded_on"])[["value", "quantity"]].sum()
    vwap = (daily["value"] / daily["quantity"]).rename("vwap").reset_index()
    returns = []
    for symbol, prices in vwap.groupby("symbol"):
        prices = prices.sort_values("traded_on")
        for day, price in zip(prices["traded_on"], prices["vwap"], strict=True):
            lag = day - pd.Timedelta(days=WINDOW_DAYS)
            before = prices[prices["traded_on"] <= lag]
            if len(before) and (lag - before["traded_on"].iloc[-1]).days <= STALE_DAYS:
                returns.append((day, symbol, np.log(price / before["vwap"].iloc[-1])))
    expected = pd.DataFrame(returns, columns=["market_on", "symbol", "log_return"]).groupby("market_on")
    expected = pd.DataFrame({"momentum": expected["log_return"].median(), "symbols": expected.size()})

    market = _market(home).set_index("market_on")
    assert list(market.index) == list(expected.index)
    np.testing.assert_allclose(market["market_momentum_20d"], expected["momentum"], rtol=0, atol=1e-12)
    assert (market["symbols_priced"].to_numpy() == expected["symbols"].to_numpy()).all()


def test_each_feature_row_carries_the_last_trading_day_on_or_before_its_as_of_date(home: Path):
    features = _query(home, "select client_id, as_of_date, market_momentum_20d from mart_client_features")
    features["as_of_date"] = pd.to_datetime(features["as_of_date"])
    market = _market(home)
    per_day = features.groupby("as_of_date")["market_momentum_20d"]
    assert (per_day.nunique(dropna=False) == 1).all(), "every client of a day sees the same market"
    for day, values in per_day:
        known = market[market["market_on"] <= day]
        if known.empty:
            assert values.isna().all()
        else:
            assert values.iloc[0] == known["market_momentum_20d"].iloc[-1], day
    assert features["market_momentum_20d"].notna().any()
