-- Deduplicated within a landing day: the contracts quarantine a key already landed on another day,
-- and a window by landing day lets a filter on landed_on apply before the deduplication.
with source as (
    select * from {{ source('landing', 'product_orders') }}
),

renamed as (
    select
        cast(order_id as varchar) as order_id,
        cast(client_id as varchar) as client_id,
        cast(product_id as varchar) as product_id,
        cast(ordered_at as timestamp) as ordered_at,
        cast(ordered_at as date) as ordered_on,
        cast(side as varchar) as side,
        cast(amount as double) as order_amount,
        cast(fee as double) as fee_amount,
        cast(dt as date) as landed_on,
        row_number() over (partition by dt, order_id) as row_rank
    from source
)

select order_id, client_id, product_id, ordered_at, ordered_on, side, order_amount, fee_amount, landed_on
from renamed
where row_rank = 1
