{{ config(
    materialized='external',
    location=env_var('WEALTHPULSE_HOME') ~ '/marts/intent_labels.parquet',
) }}
-- For each need, whether the client fulfilled it in the 30 days strictly after the as-of date:
-- a subscription of a matching product (equity_fund, fixed_income, options, advisory), margin
-- debt appearing where there was none (margin_financing), or new money (transfer_in): one transfer
-- in of at least 50,000 and 20% of the previous day's assets. One transfer, not a 30-day sum:
-- salaries and the top-ups that fund a purchase stay below 50,000 each but add up past it.
-- The columns it needs, named: the window functions below hold every column of their input rows,
-- and the daily grid has sixty (at 1M clients, all of them spilled to disk).
with daily as (
    select
        client_id,
        activity_on,
        aum_amount,
        margin_debt_amount,
        {% for need in need_product_types() %}
        subscribe_{{ need }}_count{% if not loop.last %},{% endif %}
        {% endfor %}
    from {{ ref('int_client_activity_daily') }}
),

transfers_in as (
    select client_id, transferred_on as activity_on, max(transfer_amount) as largest_transfer_in_amount
    from {{ ref('stg_landing__bank_transfers') }}
    where direction = 'in'
    group by client_id, transferred_on
),

with_new_money as (
    select
        daily.*,
        case
            when transfers_in.largest_transfer_in_amount >= {{ var('transfer_in_min_amount') }}
                and transfers_in.largest_transfer_in_amount >= {{ var('transfer_in_min_aum_share') }} * coalesce(
                    lag(daily.aum_amount) over (partition by daily.client_id order by daily.activity_on), 0
                )
                then 1
            else 0
        end as new_money_flag
    from daily
    left join transfers_in
        on daily.client_id = transfers_in.client_id and daily.activity_on = transfers_in.activity_on
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
        max(new_money_flag) over (
            partition by client_id order by activity_on
            rows between 1 following and {{ var('intent_horizon_days') }} following
        ) as new_money_ahead,
        count(*) over (
            partition by client_id order by activity_on
            rows between 1 following and {{ var('intent_horizon_days') }} following
        ) as days_ahead
    from with_new_money
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
        forward.new_money_ahead as need_transfer_in_30d
    from forward
    inner join as_of on forward.activity_on = as_of.as_of_date
    cross join last_day
    where forward.days_ahead = {{ var('intent_horizon_days') }}
        and {{ days_after('forward.activity_on', var('intent_horizon_days')) }} <= last_day.last_day
)

select * from final
