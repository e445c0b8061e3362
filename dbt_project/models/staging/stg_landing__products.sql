with source as (
    select * from {{ landing('products') }}
),

renamed as (
    select
        cast(product_id as string) as product_id,
        cast(name as string) as product_name,
        cast(product_type as string) as product_type,
        cast(risk_rating as string) as risk_rating,
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
