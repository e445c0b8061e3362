{{ config(
    materialized='incremental',
    pre_hook="{{ delete_rebuilt_days() }}",
    **by_day('activity_on', unique_key=['client_id', 'activity_on'])
) }}
-- Trailing 7/14/30/90-day windows per client and day (macros/trailing.sql).
-- A full build runs window functions over every row. An incremental run reads only the new day(s)
-- plus the longest window's 89 days before them, and carries the unbounded "last login / last
-- trade / first seen" days over from each client's newest built row in those 89 days (the rows are
-- dense: a client's row on a new day follows its row on the day before), so its rows equal a full
-- build's. With at most `window_join_max_days` new days (a nightly run) it sums each new day's
-- window directly, per client: that computes the new rows only, where window functions compute
-- every row read and keep one in ninety.
{%- set holdings = ['aum_amount', 'cash_amount', 'equity_amount', 'fund_amount', 'bond_amount',
                    'wealth_product_amount', 'margin_debt_amount'] %}
{%- set sums = [] %}
{%- for days in [7, 30, 90] %}{% for column, name in [('login_count', 'logins'), ('event_count', 'events'), ('trade_count', 'trades'), ('trade_amount', 'trade_amount')] %}
{%- do sums.append((column, days, name ~ '_' ~ days ~ 'd')) %}
{%- endfor %}{% endfor %}
{%- for group, metrics in var('window_metrics').items() %}{% for metric in metrics %}{% for days in var('feature_windows') %}
{%- do sums.append((metric, days, metric ~ '_' ~ days ~ 'd')) %}
{%- endfor %}{% endfor %}{% endfor %}
{%- set views = [('quote_view_count', 'quote_views'), ('product_view_count', 'product_views'), ('search_count', 'searches'),
                 ('research_read_count', 'research_reads'), ('margin_view_count', 'margin_views')] %}
{%- for column, name in views %}{% for days in [7, 90] %}
{%- do sums.append((column, days, name ~ '_' ~ days ~ 'd')) %}
{%- endfor %}{% endfor %}
{%- set later_sums = [] %}
{%- for column, name in views %}
{%- do later_sums.append((column, 30, name ~ '_30d')) %}
{%- endfor %}
{%- do later_sums.append(('commission_amount', 90, 'commission_90d')) %}
{%- do later_sums.append(('revenue_amount', 90, 'revenue_90d')) %}
{%- set window_columns = ['aum_max_90d', 'aum_min_90d', 'aum_mean_30d'] + later_sums | map(attribute=2) | list
                         + ['aum_7d_ago', 'aum_30d_ago'] %}
{#- The count columns the windows sum (the rest are amounts). -#}
{%- set counts = [] %}
{%- for column in (sums + later_sums) | map(attribute=0) if not column.endswith('_amount') and column not in counts %}
{%- do counts.append(column) %}
{%- endfor %}
{% set lookback_days = 89 %}
{% set by_day_back = false %}
{% if is_incremental() %}
{% if execute %}
{% set new_days = run_query(
    'select count(distinct activity_on) from ' ~ ref('int_client_activity_daily')
    ~ ' where activity_on > ' ~ watermark()
).columns[0].values()[0] %}
{% set by_day_back = new_days <= var('window_join_max_days') %}
{% endif %}
with carried as (
    select
        client_id,
        max_by(last_login_on, activity_on) as carried_last_login_on,
        max_by(last_trade_on, activity_on) as carried_last_trade_on,
        max_by(first_seen_on, activity_on) as carried_first_seen_on
    from {{ this }}
    where activity_on > {{ days_after(watermark(), -lookback_days) }}
        and activity_on <= {{ watermark() }}
    group by client_id
),

daily as (
    select daily.*, carried.carried_last_login_on, carried.carried_last_trade_on, carried.carried_first_seen_on
    from {{ ref('int_client_activity_daily') }} as daily
    left join carried on daily.client_id = carried.client_id
    where daily.activity_on > {{ watermark() if by_day_back else days_after(watermark(), -lookback_days) }}
),
{% if by_day_back %}
{#- Each CTE below reads once: one referenced twice is materialized whole by DuckDB (at 1M
    clients, 35M rows of the read window spilled to disk). -#}
new_days as (
    select distinct activity_on as window_end_on
    from {{ ref('int_client_activity_daily') }}
    where activity_on > {{ watermark() }}
),

-- Every row of the read with each new day whose window holds it (a join on dates only).
window_rows as (
    select
        recent.*,
        new_days.window_end_on,
        {{ days_between('recent.activity_on', 'new_days.window_end_on') }} as days_back
    from {{ ref('int_client_activity_daily') }} as recent
    inner join new_days
        on recent.activity_on <= new_days.window_end_on
        and recent.activity_on > {{ days_after('new_days.window_end_on', -(lookback_days + 1)) }}
    where recent.activity_on > {{ days_after(watermark(), -lookback_days) }}
),
{% endif %}
{% else %}
with daily as (
    select
        {{ window_input(counts) }},
        cast(null as date) as carried_last_login_on,
        cast(null as date) as carried_last_trade_on,
        cast(null as date) as carried_first_seen_on
    from {{ ref('int_client_activity_daily') }}
),
{% endif %}

-- noqa: disable=LT02
{#- Every trailing value, in the rendering of this run (indented where it is used, not here). -#}
{%- set trailing_values %}
        {% for column, days, name in sums %}{{ trailing_sum(column, days, by_day_back) }} as {{ name }},
        {% endfor -%}
        {{ trailing('max', 'aum_amount', 90, by_day_back) }} as aum_max_90d,
        {{ trailing('min', 'aum_amount', 90, by_day_back) }} as aum_min_90d,
        -- The mean from the fen-rounded sum: an average's last bits depend on the adding order too.
        {{ trailing_sum('aum_amount', 30, by_day_back) }} / {{ trailing('count', 'aum_amount', 30, by_day_back) }} as aum_mean_30d,
        {% for column, days, name in later_sums %}{{ trailing_sum(column, days, by_day_back) }} as {{ name }},
        {% endfor -%}
        {{ days_ago('aum_amount', 7, by_day_back) }} as aum_7d_ago,
        {{ days_ago('aum_amount', 30, by_day_back) }} as aum_30d_ago,
{%- endset %}
-- noqa: enable=LT02

{% if by_day_back %}
summed as (
    select
        client_id,
        window_end_on as activity_on,
        {{ trailing_values }}
        max(case when login_count > 0 then activity_on end) as last_login_in_window_on,
        max(case when trade_count > 0 then activity_on end) as last_trade_in_window_on,
        min(activity_on) as first_in_window_on
    from window_rows
    group by client_id, window_end_on
),

windowed as (
    select
        daily.client_id,
        daily.activity_on,
        {% for column in holdings %}daily.{{ column }},
        {% endfor -%}
        {% for name in sums | map(attribute=2) | list + window_columns %}summed.{{ name }},
        {% endfor -%}
        coalesce(summed.last_login_in_window_on, daily.carried_last_login_on) as last_login_on,
        coalesce(summed.last_trade_in_window_on, daily.carried_last_trade_on) as last_trade_on,
        coalesce(daily.carried_first_seen_on, summed.first_in_window_on) as first_seen_on
    from daily
    inner join summed on daily.client_id = summed.client_id and daily.activity_on = summed.activity_on
)
{% else %}
windowed as (
    select
        client_id,
        activity_on,
        {% for column in holdings %}{{ column }},
        {% endfor -%}
        {{ trailing_values }}
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
{% endif %}

select
    client_id, activity_on,
    {% for column in holdings %}{{ column }},
    {% endfor -%}
    {% for name in sums | map(attribute=2) | list + window_columns %}{{ name }},
    {% endfor -%}
    last_login_on, last_trade_on, first_seen_on
from windowed
where 1 = 1{{ and_after_watermark('activity_on') }}
