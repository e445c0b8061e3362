-- Deduplicated within a landing day (macros/deduplicate.sql).
with source as (
    select * from {{ landing('trades') }}
),

renamed as (
    select
        cast(trade_id as string) as trade_id,
        cast(client_id as string) as client_id,
        cast(traded_at as timestamp) as traded_at,
        cast(traded_at as date) as traded_on,
        cast(symbol as string) as symbol,
        cast(side as string) as side,
        cast(quantity as bigint) as quantity,
        cast(price as double) as price,
        cast(amount as double) as trade_amount,
        cast(commission as double) as commission_amount,
        cast(dt as date) as landed_on
    from source
)

{{ deduplicate(
    'renamed',
    partition_by='landed_on, trade_id',
    columns=[
        'trade_id', 'client_id', 'traded_at', 'traded_on', 'symbol', 'side', 'quantity', 'price',
        'trade_amount', 'commission_amount', 'landed_on'
    ],
) }}
