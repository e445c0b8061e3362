{{ config(
    materialized='external',
    location=env_var('WEALTHPULSE_HOME') ~ '/marts/campaign_outcomes.parquet',
) }}
-- Every campaign contact with its outcome: what the lead feedback loop learns from.
with contacts as (
    select * from {{ ref('stg_landing__campaign_contacts') }}
),

campaigns as (
    select * from {{ ref('stg_landing__campaigns') }}
)

select
    contacts.contact_id,
    contacts.campaign_id,
    campaigns.campaign_channel,
    campaigns.ends_on as campaign_ends_on,
    contacts.client_id,
    contacts.advisor_id,
    contacts.contacted_on,
    contacts.need,
    contacts.outcome,
    case when contacts.outcome = 'converted' then 1 else 0 end as is_converted
from contacts
left join campaigns on contacts.campaign_id = campaigns.campaign_id
