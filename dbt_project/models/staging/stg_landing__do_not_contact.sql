with source as (
    select * from {{ landing('do_not_contact') }}
),

renamed as (
    select
        cast(client_id as string) as client_id,
        cast(flagged_at as timestamp) as flagged_at,
        cast(flagged_at as date) as flagged_on,
        cast(reason as string) as flag_reason,
        cast(dt as date) as landed_on
    from source
)

{{ deduplicate(
    'renamed',
    partition_by='client_id',
    order_by='flagged_at desc, landed_on desc',
    columns=[
        'client_id', 'flagged_on', 'flag_reason'
    ],
) }}
