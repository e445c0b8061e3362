-- Deduplicated within a landing day: the contracts quarantine a key already landed on another day,
-- and a window by landing day lets a filter on landed_on apply before the deduplication.
with source as (
    select * from {{ source('landing', 'bank_transfers') }}
),

renamed as (
    select
        cast(transfer_id as varchar) as transfer_id,
        cast(client_id as varchar) as client_id,
        cast(transferred_at as timestamp) as transferred_at,
        cast(transferred_at as date) as transferred_on,
        cast(direction as varchar) as direction,
        cast(amount as double) as transfer_amount,
        cast(dt as date) as landed_on,
        row_number() over (partition by dt, transfer_id) as row_rank
    from source
)

select transfer_id, client_id, transferred_at, transferred_on, direction, transfer_amount, landed_on
from renamed
where row_rank = 1
