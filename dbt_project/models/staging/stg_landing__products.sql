with source as (
    select * from {{ source('landing', 'products') }}
),

renamed as (
    select
        cast(product_id as varchar) as product_id,
        cast(name as varchar) as product_name,
        cast(product_type as varchar) as product_type,
        cast(risk_rating as varchar) as risk_rating,
        cast(dt as date) as landed_on
    from source
)

{{ deduplicate(
    'renamed',
    partition_by='product_id',
    order_by='landed_on desc',
    columns=[
        'product_id', 'product_name', 'product_type', 'risk_rating'
    ],
) }}
