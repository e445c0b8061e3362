with source as (
    select * from {{ landing('campaigns') }}
),

renamed as (
    select
        cast(campaign_id as string) as campaign_id,
        cast(name as string) as campaign_name,
        cast(need as string) as need,
        cast(channel as string) as campaign_channel,
        cast(start_date as date) as starts_on,
        cast(end_date as date) as ends_on,
        cast(dt as date) as landed_on
    from source
)

{{ deduplicate(
    'renamed',
    partition_by='campaign_id',
    order_by='landed_on desc',
    columns=[
        'campaign_id', 'campaign_name', 'need', 'campaign_channel', 'starts_on', 'ends_on'
    ],
) }}
