with source as (
    select * from {{ source('landing', 'do_not_contact') }}
),

renamed as (
    select
        cast(client_id as varchar) as client_id,
        cast(flagged_at as date) as flagged_on,
        cast(reason as varchar) as flag_reason,
        row_number() over (partition by client_id order by flagged_at desc, dt desc) as row_rank
    from source
)

select client_id, flagged_on, flag_reason
from renamed
where row_rank = 1
