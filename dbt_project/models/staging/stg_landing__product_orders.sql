-- Deduplicated within a landing day (macros/deduplicate.sql).
with source as (
    select * from {{ landing('product_orders') }}
),

renamed as (
    select
        cast(order_id as string) as order_id,
        cast(client_id as string) as client_id,
        cast(product_id as string) as product_id,
        cast(ordered_at as timestamp) as ordered_at,
        cast(ordered_at as date) as ordered_on,
        cast(side as string) as side,
        cast(amount as double) as order_amount,
        cast(fee as double) as fee_amount,
        cast(dt as date) as landed_on
    from source
)

{{ deduplicate(
    'renamed',
    partition_by='landed_on, order_id',
    columns=[
        'order_id', 'client_id', 'product_id', 'ordered_at', 'ordered_on', 'side', 'order_amount',
        'fee_amount', 'landed_on'
    ],
) }}
