with source as (
    select * from {{ landing('campaign_contacts') }}
),

renamed as (
    select
        cast(contact_id as string) as contact_id,
        cast(campaign_id as string) as campaign_id,
        cast(client_id as string) as client_id,
        cast(advisor_id as string) as advisor_id,
        cast(contacted_at as timestamp) as contacted_at,
        cast(contacted_at as date) as contacted_on,
        cast(need as string) as need,
        cast(outcome as string) as outcome,
        cast(dt as date) as landed_on
    from source
)

{{ deduplicate(
    'renamed',
    partition_by='contact_id',
    order_by='landed_on desc',
    columns=[
        'contact_id', 'campaign_id', 'client_id', 'advisor_id', 'contacted_at', 'contacted_on', 'need',
        'outcome'
    ],
) }}
