-- Every tag of the catalog for every client on the latest as-of date (client, as-of, tag, value),
-- compiled from the YAML catalog. One select per tag keeps the SQL portable (no UNPIVOT).
{% set catalog = tag_catalog() %}
with client_as_of as (
    select * from {{ ref('int_client_as_of') }}
    where activity_on = (select max(as_of_dates.as_of_date) from {{ ref('int_as_of_dates') }} as as_of_dates)
)

{% if catalog | length == 0 %}
select
    cast(null as string) as client_id, cast(null as date) as as_of_date,
    cast(null as string) as tag, cast(null as string) as dimension, cast(null as integer) as tag_value
where 1 = 0
{% else %}
{% for tag in catalog %}
{% do validate_tag(tag) %}
select
    client_id,
    activity_on as as_of_date,
    '{{ tag.name }}' as tag,
    '{{ tag.dimension }}' as dimension,
    case when {{ tag_condition(tag) }} then 1 else 0 end as tag_value
from client_as_of
{% if not loop.last %}union all{% endif %}
{% endfor %}
{% endif %}
