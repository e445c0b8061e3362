with source as (
    select * from {{ landing('risk_assessments') }}
),

renamed as (
    select
        cast(assessment_id as string) as assessment_id,
        cast(client_id as string) as client_id,
        cast(risk_level as string) as risk_level,
        cast(assessed_at as date) as assessed_on,
        cast(dt as date) as landed_on
    from source
)

{{ deduplicate(
    'renamed',
    partition_by='assessment_id',
    order_by='landed_on desc',
    columns=[
        'assessment_id', 'client_id', 'risk_level', 'assessed_on'
    ],
) }}
