{{ config(
    materialized='incremental',
    on_schema_change='fail',
    pre_hook=["{{ drop_retired_as_of_dates() }}", "{{ delete_rebuilt_days('as_of_date') }}"],
    post_hook="{{ export_parquet('client_features') }}",
    **by_day('as_of_date', unique_key=['client_id', 'as_of_date'])
) }}
-- Client features by as-of date: everything here was known at the end of the as-of date.
-- Incremental: a nightly run adds the new as-of date(s) only, after retiring yesterday's "latest"
-- day when it is not a weekly as-of date. The whole table is exported as parquet after each run:
-- the Feast offline source reads marts/client_features.parquet.
-- Its columns are a contract (the model's YAML), and dbt has an incremental model under a contract
-- fail on a schema change; a changed project is rebuilt in full anyway (warehouse/refresh.py).
-- depends_on: {{ ref('int_as_of_dates') }}
with client_as_of as (
    select * from {{ ref('int_client_as_of') }}
    where 1 = 1{{ and_after_watermark('activity_on', 'as_of_date') }}
),

market as (
    select market_on, market_momentum_20d from {{ ref('int_market_daily') }}
),

-- The market of the last trading day on or before the as-of date (none in the first 20 days): found
-- once per as-of date, then given to its clients.
as_of_market as (
    select as_of_dates.activity_on, max_by(market.market_momentum_20d, market.market_on) as market_momentum_20d
    from (select distinct activity_on from client_as_of) as as_of_dates
    inner join market on as_of_dates.activity_on >= market.market_on
    group by as_of_dates.activity_on
),

client_market as (
    select client_as_of.*, as_of_market.market_momentum_20d
    from client_as_of
    left join as_of_market on client_as_of.activity_on = as_of_market.activity_on
),

final as (
    select
        client_id,
        activity_on as as_of_date,
        cast(activity_on as timestamp) as feature_ts,
        -- The as-of time in epoch seconds, so request-time features can age the row.
        cast({{ epoch_seconds('cast(activity_on as timestamp)') }} as double)
            as as_of_epoch,
        {% for days in [7, 30, 90] %}
        cast(logins_{{ days }}d as double) as logins_{{ days }}d,
        cast(events_{{ days }}d as double) as events_{{ days }}d,
        cast(trades_{{ days }}d as double) as trades_{{ days }}d,
        cast(trade_amount_{{ days }}d as double) as trade_amount_{{ days }}d,
        {% endfor %}
        cast(quote_views_30d as double) as quote_views_30d,
        cast(product_views_30d as double) as product_views_30d,
        cast(searches_30d as double) as searches_30d,
        cast(research_reads_30d as double) as research_reads_30d,
        cast(margin_views_30d as double) as margin_views_30d,
        cast(commission_90d as double) as commission_90d,
        aum_amount as aum,
        coalesce(aum_amount / nullif(aum_7d_ago, 0) - 1, 0) as aum_change_7d,
        coalesce(aum_amount / nullif(aum_30d_ago, 0) - 1, 0) as aum_change_30d,
        coalesce(cash_amount / nullif(aum_amount + margin_debt_amount, 0), 0) as cash_share,
        equity_share,
        wealth_share,
        margin_debt_amount as margin_debt,
        -- Days since the last login (or trade); when there was none, days since history began.
        cast({{ days_between('coalesce(last_login_on, first_seen_on)', 'activity_on') }} as double)
            as days_since_last_login,
        cast({{ days_between('coalesce(last_trade_on, first_seen_on)', 'activity_on') }} as double)
            as days_since_last_trade,
        cast({{ days_between('opened_on', 'activity_on') }} as double) as tenure_days,
        cast(case age_band
            when '18-29' then 1 when '30-39' then 2 when '40-49' then 3 when '50-59' then 4 when '60+' then 5
        end as double) as age_band_code,
        cast(case when advisor_id is null then 0 else 1 end as double) as has_advisor,
        cast(coalesce(cast(substr(risk_level, 2, 1) as integer), 0) as double) as risk_level_code,
        cast(has_valid_assessment as double) as has_valid_assessment,
        cast(revenue_90d as double) as revenue_90d,
        cast(value_amount as double) as value_amount,
        cast({{ tier_code('value_tier') }} as double) as value_tier_code,
        {% for name in ['quote_views', 'product_views', 'searches', 'research_reads', 'margin_views'] %}{% for days in [7, 90] %}
        cast({{ name }}_{{ days }}d as double) as {{ name }}_{{ days }}d,
        {% endfor %}{% endfor %}
        coalesce(aum_amount / nullif(aum_max_90d, 0), 0) as aum_to_90d_high,
        coalesce(aum_min_90d / nullif(aum_max_90d, 0), 0) as aum_90d_low_to_high,
        coalesce(aum_amount / nullif(aum_mean_30d, 0) - 1, 0) as aum_vs_30d_mean,
        {% for days in var('feature_windows') %}
        cast(transfer_in_amount_{{ days }}d - transfer_out_amount_{{ days }}d as double) as net_inflow_{{ days }}d,
        coalesce((transfer_in_amount_{{ days }}d - transfer_out_amount_{{ days }}d) / nullif(aum_amount, 0), 0)
            as net_inflow_to_aum_{{ days }}d,
        {% endfor %}
        market_momentum_20d,
        {% for group, metrics in var('window_metrics').items() %}{% for metric in metrics %}{% for days in var('feature_windows') %}
        cast({{ metric }}_{{ days }}d as double) as {{ metric }}_{{ days }}d{% if not loop.last %},{% endif %}
        {%- endfor %}{% if not loop.last %},{% endif %}{% endfor %}{% if not loop.last %},{% endif %}{% endfor %}
    from client_market
)

select * from final
