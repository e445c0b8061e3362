{{ config(
    materialized='external',
    location=env_var('WEALTHPULSE_HOME') ~ '/marts/client_tags.parquet',
    contract={'enforced': not var('extra_tags', [])},
) }}
-- The tags models use as features (catalog entries with feature: true), one column each, for
-- every as-of date. Parquet for the Feast tags view. Its columns are a contract (the model's YAML
-- lists them: a tag marked feature: true is listed there too), except when --vars extra_tags adds
-- tags beyond the catalog (the 3,000-tag benchmark), whose columns no contract can list. Under the
-- contract the columns come out in the YAML's order (feature_ts third), whatever the order here.
{% set catalog = tag_catalog() | selectattr('feature', 'defined') | selectattr('feature') | list %}
with client_as_of as (
    select * from {{ ref('int_client_as_of') }}
)

select
    client_id,
    activity_on as as_of_date,
    {% for tag in catalog %}
    cast(case when {{ tag_condition(tag) }} then 1 else 0 end as double) as tag_{{ tag.name }},
    {% endfor %}
    cast(activity_on as timestamp) as feature_ts
from client_as_of
