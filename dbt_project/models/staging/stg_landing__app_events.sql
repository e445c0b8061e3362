{{ config(
    materialized='incremental',
    pre_hook="{{ delete_rebuilt_days('landed_on') }}",
    **by_day('landed_on', unique_key=none, append=true)
) }}
-- Deduplicated within a landing day (macros/deduplicate.sql).
-- A table, not a view like the other staging models: the two largest landing tables are read by
-- many models and tests of every build, and a view would read and deduplicate every landed file
-- each time. Incremental by landing day: a nightly run appends the new days (macros/incremental.sql).
with source as (
    select * from {{ landing('app_events') }}
    where 1 = 1{{ and_after_watermark('dt', 'landed_on') }}
),

renamed as (
    select
        cast(event_id as string) as event_id,
        cast(client_id as string) as client_id,
        cast(event_at as timestamp) as event_at,
        cast(event_at as date) as event_on,
        cast(event_type as string) as event_type,
        cast(product_id as string) as product_id,
        cast(dt as date) as landed_on
    from source
)

{{ deduplicate(
    'renamed',
    partition_by='landed_on, event_id',
    columns=[
        'event_id', 'client_id', 'event_at', 'event_on', 'event_type', 'product_id', 'landed_on'
    ],
) }}
