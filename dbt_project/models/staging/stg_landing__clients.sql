-- Personal fields (name, phone) stop here: nothing downstream may select them.
with source as (
    select * from {{ landing('clients') }}
),

renamed as (
    select
        cast(client_id as string) as client_id,
        cast(branch as string) as branch_id,
        cast(age_band as string) as age_band,
        cast(channel as string) as acquisition_channel,
        cast(advisor_id as string) as advisor_id,
        cast(opened_at as date) as opened_on,
        cast(dt as date) as exported_on
    from source
)

{{ deduplicate(
    'renamed',
    partition_by='client_id',
    order_by='exported_on desc',
    columns=[
        'client_id', 'branch_id', 'age_band', 'acquisition_channel', 'advisor_id', 'opened_on',
        'exported_on'
    ],
) }}
