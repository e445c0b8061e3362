{{ config(
    materialized='external',
    location=env_var('WEALTHPULSE_HOME') ~ '/marts/tier_labels.parquet',
) }}
-- Value tier 90 days after the as-of date (strictly later), beside the tier on the as-of date.
-- Only as-of dates whose horizon day has been observed get a label.
with as_of as (
    select * from {{ ref('int_as_of_dates') }}
),

daily as (
    select
        client_id,
        activity_on,
        {{ value_tier(client_value('aum_amount', 'revenue_90d')) }} as value_tier
    from {{ ref('int_client_activity_windows') }}
),

final as (
    select
        now_day.client_id,
        now_day.activity_on as as_of_date,
        cast(now_day.activity_on as timestamp) as label_ts,
        now_day.value_tier as tier_now,
        ahead.value_tier as tier_90d,
        {{ tier_code('now_day.value_tier') }} as tier_now_code,
        {{ tier_code('ahead.value_tier') }} as tier_90d_code
    from daily as now_day
    inner join as_of on now_day.activity_on = as_of.as_of_date
    inner join daily as ahead
        on now_day.client_id = ahead.client_id
            and ahead.activity_on = {{ days_after('now_day.activity_on', var('tier_horizon_days')) }}
)

select * from final
