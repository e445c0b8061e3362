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
        row_number() over (partition by transfer_id order by dt desc) as row_rank
    from source
)

select transfer_id, client_id, transferred_at, transferred_on, direction, transfer_amount
from renamed
where row_rank = 1
