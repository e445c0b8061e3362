-- Deduplicated within a landing day (macros/deduplicate.sql).
with source as (
    select * from {{ landing('bank_transfers') }}
),

renamed as (
    select
        cast(transfer_id as string) as transfer_id,
        cast(client_id as string) as client_id,
        cast(transferred_at as timestamp) as transferred_at,
        cast(transferred_at as date) as transferred_on,
        cast(direction as string) as direction,
        cast(amount as double) as transfer_amount,
        cast(dt as date) as landed_on
    from source
)

{{ deduplicate(
    'renamed',
    partition_by='landed_on, transfer_id',
    columns=[
        'transfer_id', 'client_id', 'transferred_at', 'transferred_on', 'direction', 'transfer_amount',
        'landed_on'
    ],
) }}
