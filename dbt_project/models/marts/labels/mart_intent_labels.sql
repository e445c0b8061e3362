{{ config(
    materialized='external',
    location=env_var('WEALTHPULSE_HOME') ~ '/marts/intent_labels.parquet',
) }}
-- For each need, whether the client fulfilled it in the 30 days strictly after the as-of date:
-- a subscription of a matching product (equity_fund, fixed_income, options, advisory), margin
-- debt appearing where there was none (margin_financing), or a large transfer in (transfer_in).
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
        margin_debt_amount,
        {% for need in need_product_types() %}
        sum(subscribe_{{ need }}_count) over (
            partition by client_id order by activity_on
            rows between 1 following and {{ var('intent_horizon_days') }} following
        ) as {{ need }}_ahead,
        {% endfor %}
        max(margin_debt_amount) over (
            partition by client_id order by activity_on
            rows between 1 following and {{ var('intent_horizon_days') }} following
        ) as margin_debt_ahead,
        sum(transfer_in_amount) over (
            partition by client_id order by activity_on
            rows between 1 following and {{ var('intent_horizon_days') }} following
        ) as transfer_in_ahead,
        count(*) over (
            partition by client_id order by activity_on
            rows between 1 following and {{ var('intent_horizon_days') }} following
        ) as days_ahead
    from daily
),

final as (
    select
        forward.client_id,
        forward.activity_on as as_of_date,
        cast(forward.activity_on as timestamp) as label_ts,
        {% for need in need_product_types() %}
        case when forward.{{ need }}_ahead > 0 then 1 else 0 end as need_{{ need }}_30d,
        {% endfor %}
        case when forward.margin_debt_amount = 0 and forward.margin_debt_ahead > 0 then 1 else 0 end
            as need_margin_financing_30d,
        case
            when forward.transfer_in_ahead >= {{ var('transfer_in_min_amount') }}
                and forward.transfer_in_ahead >= {{ var('transfer_in_min_aum_share') }} * forward.aum_amount
            then 1 else 0
        end as need_transfer_in_30d
    from forward
    inner join as_of on forward.activity_on = as_of.as_of_date
    cross join last_day
    where forward.days_ahead = {{ var('intent_horizon_days') }}
        and {{ dbt.dateadd('day', var('intent_horizon_days'), 'forward.activity_on') }} <= last_day.last_day
)

select * from final
