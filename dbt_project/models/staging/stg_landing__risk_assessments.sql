with source as (
    select * from {{ source('landing', 'risk_assessments') }}
),

renamed as (
    select
        cast(assessment_id as varchar) as assessment_id,
        cast(client_id as varchar) as client_id,
        cast(risk_level as varchar) as risk_level,
        cast(assessed_at as date) as assessed_on,
        row_number() over (partition by assessment_id order by dt desc) as row_rank
    from source
)

select assessment_id, client_id, risk_level, assessed_on
from renamed
where row_rank = 1
