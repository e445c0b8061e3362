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
    cast({{ tier_code('value_tier') }} as double) as value_tier_code,
    trading_activity,
    wealth_appetite,
    allocation_style,
    preference_group,
    cast(case preference_group
        {%- set profiles = ['dormant_saver', 'self_directed_trader', 'wealth_builder', 'all_round_investor', 'casual_investor'] %}
        {%- set styles = ['conservative', 'balanced', 'aggressive'] %}
        {%- for profile in profiles %}{% for style in styles %}
        when '{{ profile }}_{{ style }}' then {{ loop.index + 3 * (profiles.index(profile)) }}
        {%- endfor %}{% endfor %}
    end as double) as preference_group_code
from client_as_of
