with source as (
    select * from {{ source('landing', 'app_events') }}
),

renamed as (
    select
        cast(event_id as varchar) as event_id,
        cast(client_id as varchar) as client_id,
        cast(event_at as timestamp) as event_at,
        cast(event_at as date) as event_on,
        cast(event_type as varchar) as event_type,
        cast(product_id as varchar) as product_id,
        row_number() over (partition by event_id order by dt desc) as row_rank
    from source
)

select event_id, client_id, event_at, event_on, event_type, product_id
from renamed
where row_rank = 1
