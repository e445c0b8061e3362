{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['client_id', 'activity_on'],
    pre_hook="{{ delete_rebuilt_days() }}",
) }}
-- Trailing windows per client and day. The grid is dense (one row per day), so
-- "rows between N preceding" is exactly the last N+1 days, in portable SQL.
-- Incremental: a nightly run reads only the new day(s) plus the longest window's 89 days before
-- them, and carries the unbounded "last login / last trade / first seen" days over from each
-- client's newest built row, so the new rows equal a full build's (and memory is bounded by the
-- window, not the history).
{% set lookback_days = 89 %}
{% if is_incremental() %}
with carried as (
    select built.client_id, built.last_login_on, built.last_trade_on, built.first_seen_on
    from {{ this }} as built
    inner join (
        select client_id, max(activity_on) as activity_on from {{ this }} group by client_id
    ) as newest
        on built.client_id = newest.client_id and built.activity_on = newest.activity_on
),

daily as (
    select
        daily.*,
        carried.last_login_on as carried_last_login_on,
        carried.last_trade_on as carried_last_trade_on,
        carried.first_seen_on as carried_first_seen_on
    from {{ ref('int_client_activity_daily') }} as daily
    left join carried on daily.client_id = carried.client_id
    where daily.activity_on > {{ dbt.dateadd('day', -lookback_days, watermark()) }}
),
{% else %}
with daily as (
    select
        *,
        cast(null as date) as carried_last_login_on,
        cast(null as date) as carried_last_trade_on,
        cast(null as date) as carried_first_seen_on
    from {{ ref('int_client_activity_daily') }}
),
{% endif %}

windowed as (
    select
        client_id,
        activity_on,
        aum_amount,
        cash_amount,
        equity_amount,
        fund_amount,
        bond_amount,
        wealth_product_amount,
        margin_debt_amount,
        {% for days in [7, 30, 90] %}
        {{ trailing_sum('login_count', days) }} as logins_{{ days }}d,
        {{ trailing_sum('event_count', days) }} as events_{{ days }}d,
        {{ trailing_sum('trade_count', days) }} as trades_{{ days }}d,
        {{ trailing_sum('trade_amount', days) }} as trade_amount_{{ days }}d,
        {% endfor %}
        {% for group, metrics in var('window_metrics').items() %}{% for metric in metrics %}{% for days in var('feature_windows') %}
        {{ trailing_sum(metric, days) }} as {{ metric }}_{{ days }}d,
        {% endfor %}{% endfor %}{% endfor %}
        {% for column, name in [('quote_view_count', 'quote_views'), ('product_view_count', 'product_views'), ('search_count', 'searches'), ('research_read_count', 'research_reads'), ('margin_view_count', 'margin_views')] %}{% for days in [7, 90] %}
        {{ trailing_sum(column, days) }} as {{ name }}_{{ days }}d,
        {% endfor %}{% endfor %}
        max(aum_amount) over (partition by client_id order by activity_on rows between 89 preceding and current row) as aum_max_90d,
        min(aum_amount) over (partition by client_id order by activity_on rows between 89 preceding and current row) as aum_min_90d,
        -- The mean from the fen-rounded sum: an average's last bits depend on the adding order too.
        {{ trailing_sum('aum_amount', 30) }}
            / count(aum_amount) over (partition by client_id order by activity_on rows between 29 preceding and current row) as aum_mean_30d,
        {{ trailing_sum('quote_view_count', 30) }} as quote_views_30d,
        {{ trailing_sum('product_view_count', 30) }} as product_views_30d,
        {{ trailing_sum('search_count', 30) }} as searches_30d,
        {{ trailing_sum('research_read_count', 30) }} as research_reads_30d,
        {{ trailing_sum('margin_view_count', 30) }} as margin_views_30d,
        {{ trailing_sum('commission_amount', 90) }} as commission_90d,
        {{ trailing_sum('revenue_amount', 90) }} as revenue_90d,
        lag(aum_amount, 7) over (partition by client_id order by activity_on) as aum_7d_ago,
        lag(aum_amount, 30) over (partition by client_id order by activity_on) as aum_30d_ago,
        coalesce(
            max(case when login_count > 0 then activity_on end) over (partition by client_id order by activity_on rows between unbounded preceding and current row),
            carried_last_login_on
        ) as last_login_on,
        coalesce(
            max(case when trade_count > 0 then activity_on end) over (partition by client_id order by activity_on rows between unbounded preceding and current row),
            carried_last_trade_on
        ) as last_trade_on,
        coalesce(carried_first_seen_on, min(activity_on) over (partition by client_id)) as first_seen_on
    from daily
)

select * from windowed
where 1 = 1{{ and_after_watermark('activity_on') }}
