-- Deduplicated within a landing day (macros/deduplicate.sql).
-- Raw transcripts stay in staging: intermediate models keep only the needs they mention.
with source as (
    select * from {{ landing('service_interactions') }}
),

renamed as (
    select
        cast(interaction_id as string) as interaction_id,
        cast(client_id as string) as client_id,
        cast(advisor_id as string) as advisor_id,
        cast(occurred_at as timestamp) as occurred_at,
        cast(occurred_at as date) as occurred_on,
        cast(channel as string) as interaction_channel,
        cast(language as string) as transcript_language,
        cast(transcript as string) as transcript,
        cast(dt as date) as landed_on
    from source
)

{{ deduplicate(
    'renamed',
    partition_by='landed_on, interaction_id',
    columns=[
        'interaction_id', 'client_id', 'advisor_id', 'occurred_at', 'occurred_on', 'interaction_channel',
        'transcript_language', 'transcript', 'landed_on'
    ],
) }}
