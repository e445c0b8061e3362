-- The market as the firm's own trade tape shows it, one row per trading day: the median over
-- symbols of each symbol's log return over the last 20 days of its volume-weighted trade price.
-- A rising market brings clients' appetite for equity funds, margin and options, a falling one for
-- fixed income; every client shares it on a given day, so it moves how many needs arise across the
-- book, which no client's own history shows.
-- Known at the end of the trading day: it reads no trade after it.
{%- set window_days = 20 %}
{%- set stale_days = 10 %}
with trades as (
    select symbol, traded_on, price, quantity
    from {{ ref('stg_landing__trades') }}
),

prices as (
    select symbol, traded_on, sum(price * quantity) / sum(quantity) as vwap
    from trades
    group by symbol, traded_on
),

lagged as (
    select
        symbol,
        traded_on,
        vwap,
        cast({{ days_after('traded_on', -window_days) }} as date) as lag_on
    from prices
),

-- Each symbol's price on its last trading day on or before lag_on; a price more than stale_days
-- older than that says nothing about the window and is left out. (A join bounded to those days and
-- the newest of them: an as-of join, in SQL both engines run.)
returns as (
    select
        latest.traded_on as market_on,
        ln(max(latest.vwap) / max_by(earlier.vwap, earlier.traded_on)) as log_return
    from lagged as latest
    inner join prices as earlier
        on
            latest.symbol = earlier.symbol
            and latest.lag_on >= earlier.traded_on
            and {{ days_after('latest.lag_on', -stale_days) }} <= earlier.traded_on
    group by latest.symbol, latest.traded_on
)

select
    market_on,
    median(log_return) as market_momentum_20d,
    count(*) as symbols_priced
from returns
group by market_on
