{{ config(
    materialized='external',
    location=env_var('WEALTHPULSE_HOME') ~ '/marts/client_tiers.parquet',
) }}
-- Value tier and preference group of every client by as-of date.
with client_as_of as (
    select * from {{ ref('int_client_as_of') }}
)

select
    client_id,
    activity_on as as_of_date,
    cast(activity_on as timestamp) as feature_ts,
    value_amount,
    value_tier,
    {{ tier_code('value_tier') }} as value_tier_code,
    trading_activity,
    wealth_appetite,
    allocation_style,
    preference_group
from client_as_of
