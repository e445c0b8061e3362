{{ config(
    materialized='external',
    location=env_var('WEALTHPULSE_HOME') ~ '/marts/client_audience.parquet',
) }}
-- What a segment expression can ask about, one row per client on the latest as-of date: tier,
-- preference group, the risk level of a valid assessment (none when missing or expired, code 0)
-- and every tag of the catalog as 0/1. The serving/segment_audience asset adds the batch scores.
{% set catalog = tag_catalog() %}
with client_as_of as (
    select * from {{ ref('int_client_as_of') }}
    where activity_on = (select max(as_of_dates.as_of_date) from {{ ref('int_as_of_dates') }} as as_of_dates)
),

tiers as (
    select * from {{ ref('mart_client_tiers') }}
),

tagged as (
    select
        client_id,
        activity_on as as_of_date,
        value_tier,
        preference_group,
        {% for tag in catalog %}
        case when {{ tag_condition(tag) }} then 1 else 0 end as tag_{{ tag.name }},
        {% endfor %}
        case when has_valid_assessment = 1 then risk_level end as risk_level
    from client_as_of
),

final as (
    select
        tagged.client_id,
        tagged.as_of_date,
        tagged.value_tier as tier,
        {{ tier_code('tagged.value_tier') }} as tier_code,
        tagged.preference_group,
        cast(tiers.preference_group_code as integer) as preference_group_code,
        tagged.risk_level,
        coalesce(cast(substr(tagged.risk_level, 2, 1) as integer), 0) as risk_level_code{{ ',' if catalog }}
        -- The tags close the select list, where sqlfluff wants a loop at the level of the `from`.
        -- noqa: disable=LT02
        {% for tag in catalog %}
        tagged.tag_{{ tag.name }}{{ ',' if not loop.last }}
        {% endfor %}
    -- noqa: enable=LT02
    from tagged
    left join tiers
        on tagged.client_id = tiers.client_id and tagged.as_of_date = tiers.as_of_date
)

select * from final
