with source as (
    select * from {{ source('landing', 'products') }}
),

renamed as (
    select
        cast(product_id as varchar) as product_id,
        cast(name as varchar) as product_name,
        cast(product_type as varchar) as product_type,
        cast(risk_rating as varchar) as risk_rating,
        row_number() over (partition by product_id order by dt desc) as row_rank
    from source
)

select product_id, product_name, product_type, risk_rating
from renamed
where row_rank = 1
