{{ config(
    materialized='external',
    location=env_var('WEALTHPULSE_HOME') ~ '/marts/churn_labels.parquet',
) }}
-- 60-day churn labels by as-of date. A client active on the as-of date churns when, in the
-- days strictly after it, assets fall below 20% of the as-of level: the exit, when a leaving
-- client moves out all but a small residual. Inactivity alone is not churn: holidays and
-- low-engagement clients go quiet for weeks and stay (see the model's YAML).
-- Only as-of dates whose whole horizon has been observed get a label.
-- Exported as parquet: training reads its entity frame from this file.
with daily as (
    select * from {{ ref('int_client_activity_daily') }}
),

as_of as (
    select * from {{ ref('int_as_of_dates') }}
),

last_day as (
    select max(activity_on) as last_day from daily
),

forward as (
    select
        client_id,
        activity_on,
        aum_amount,
        sum(login_count + trade_count) over (
            partition by client_id order by activity_on
            rows between 29 preceding and current row
        ) as activity_30d,
        min(aum_amount) over (
            partition by client_id order by activity_on
            rows between 1 following and {{ var('churn_horizon_days') }} following
        ) as min_aum_ahead,
        count(*) over (
            partition by client_id order by activity_on
            rows between 1 following and {{ var('churn_horizon_days') }} following
        ) as days_ahead
    from daily
),

final as (
    select
        forward.client_id,
        forward.activity_on as as_of_date,
        cast(forward.activity_on as timestamp) as label_ts,
        case
            when forward.min_aum_ahead < 0.2 * forward.aum_amount then 1
            else 0
        end as churned_60d
    from forward
    inner join as_of on forward.activity_on = as_of.as_of_date
    cross join last_day
    where forward.days_ahead = {{ var('churn_horizon_days') }}
        and {{ days_after('forward.activity_on', var('churn_horizon_days')) }} <= last_day.last_day
        and forward.activity_30d > 0
        and forward.aum_amount > 0
)

select * from final
