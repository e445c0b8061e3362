{{ config(
    materialized='external',
    location=env_var('WEALTHPULSE_HOME') ~ '/marts/client_suitability.parquet',
) }}
-- Each client's allowed product risk on every as-of date: a valid assessment (less than 24 calendar
-- months old, int_client_as_of) at Ck allows up to Rk; a missing or expired one allows R1 only and
-- asks for reassessment.
-- With the advisor, the value tier and the do-not-contact flag: what the lead list of a day needs,
-- so a past as-of date's leads can be built again (a backfill) under that day's rules.
with client_as_of as (
    select * from {{ ref('int_client_as_of') }}
),

do_not_contact as (
    select * from {{ ref('stg_landing__do_not_contact') }}
)

select
    client_as_of.client_id,
    client_as_of.advisor_id,
    client_as_of.value_tier,
    do_not_contact.client_id is not null and do_not_contact.flagged_on <= client_as_of.activity_on
        as is_do_not_contact,
    client_as_of.activity_on as as_of_date,
    client_as_of.risk_level,
    client_as_of.assessed_on,
    client_as_of.has_valid_assessment = 1 as is_assessment_valid,
    case
        when client_as_of.has_valid_assessment = 1 then cast(substr(client_as_of.risk_level, 2, 1) as integer)
        else 1
    end as allowed_risk_rating_code,
    'R' || cast(case
        when client_as_of.has_valid_assessment = 1 then cast(substr(client_as_of.risk_level, 2, 1) as integer)
        else 1
    end as string) as allowed_risk_rating,
    client_as_of.has_valid_assessment = 0 as needs_reassessment
from client_as_of
left join do_not_contact on client_as_of.client_id = do_not_contact.client_id
