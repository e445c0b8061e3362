{{ config(
    materialized='incremental',
    pre_hook="{{ delete_rebuilt_days() }}",
    **by_day('activity_on', unique_key=['client_id', 'activity_on'])
) }}
-- Money in and out, and product orders by need, per client and day. Incremental: a nightly run
-- adds the new day(s) only (macros/incremental.sql).
with transfers as (
    select
        client_id,
        transferred_on as activity_on,
        {{ money_sum("case when direction = 'in' then transfer_amount else 0 end") }} as transfer_in_amount,
        {{ money_sum("case when direction = 'out' then transfer_amount else 0 end") }} as transfer_out_amount,
        sum(case when direction = 'in' then 1 else 0 end) as transfer_in_count,
        sum(case when direction = 'out' then 1 else 0 end) as transfer_out_count
    from {{ ref('stg_landing__bank_transfers') }}
    where 1 = 1{{ and_after_watermark('transferred_on', landed='landed_on') }}
    group by client_id, transferred_on
),

orders as (
    select orders.*, products.product_type
    from {{ ref('stg_landing__product_orders') }} as orders
    left join {{ ref('stg_landing__products') }} as products on orders.product_id = products.product_id
    where 1 = 1{{ and_after_watermark('orders.ordered_on', landed='orders.landed_on') }}
),

order_days as (
    select
        client_id,
        ordered_on as activity_on,
        {% for need, types in need_product_types().items() %}
        sum(
            case when side = 'subscribe' and product_type in ('{{ types | join("', '") }}') then 1 else 0 end
        ) as subscribe_{{ need }}_count,
        {% endfor %}
        {{ money_sum("fee_amount") }} as fee_amount,
        {{ money_sum("case when side = 'subscribe' then order_amount else 0 end") }} as subscribe_amount,
        {{ money_sum("case when side = 'redeem' then order_amount else 0 end") }} as redeem_amount
    from orders
    group by client_id, ordered_on
),

keys as (
    select client_id, activity_on from transfers
    union
    select client_id, activity_on from order_days
)

select
    keys.client_id,
    keys.activity_on,
    coalesce(transfers.transfer_in_amount, 0) as transfer_in_amount,
    coalesce(transfers.transfer_out_amount, 0) as transfer_out_amount,
    coalesce(transfers.transfer_in_count, 0) as transfer_in_count,
    coalesce(transfers.transfer_out_count, 0) as transfer_out_count,
    coalesce(order_days.fee_amount, 0) as fee_amount,
    coalesce(order_days.subscribe_amount, 0) as subscribe_amount,
    coalesce(order_days.redeem_amount, 0) as redeem_amount,
    {% for need in need_product_types() %}
    coalesce(order_days.subscribe_{{ need }}_count, 0) as subscribe_{{ need }}_count{% if not loop.last %},{% endif %}
    {% endfor %}
from keys
left join transfers on keys.client_id = transfers.client_id and keys.activity_on = transfers.activity_on
left join order_days on keys.client_id = order_days.client_id and keys.activity_on = order_days.activity_on
