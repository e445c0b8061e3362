{#- Rows reconcile from an upstream relation to this model: per group, a measure of the model equals
    a measure of `to` (by default both count rows). `latest` / `to_latest` keep only the rows on
    each side's newest value of that column (e.g. the latest as-of date). Returns the groups that
    disagree, with both totals (a group missing on one side totals zero there); `tolerance` allows rounding on sums of amounts. -#}
{% test reconciles_with(model, to, measure='count(*)', to_measure='count(*)', group_by=none, to_group_by=none,
                        latest=none, to_latest=none, tolerance=0) %}
with model_rows as (
    select * from {{ model }}
    {% if latest %}where {{ latest }} = (select max({{ latest }}) from {{ model }}){% endif %}
),

source_rows as (
    select * from {{ to }}
    {% if to_latest %}where {{ to_latest }} = (select max({{ to_latest }}) from {{ to }}){% endif %}
),

model_totals as (
    select {{ group_by or "'all'" }} as group_key, {{ measure }} as total
    from model_rows
    group by {{ group_by or "'all'" }}
),

source_totals as (
    select {{ to_group_by or group_by or "'all'" }} as group_key, {{ to_measure }} as total
    from source_rows
    group by {{ to_group_by or group_by or "'all'" }}
)

select
    coalesce(model_totals.group_key, source_totals.group_key) as group_key,
    model_totals.total as model_total,
    source_totals.total as source_total
from model_totals
full outer join source_totals on model_totals.group_key = source_totals.group_key
-- A group missing on one side counts as zero there (a weekend without trades has no staged rows
-- but does have daily rows with trade_count 0).
where abs(coalesce(model_totals.total, 0) - coalesce(source_totals.total, 0)) > {{ tolerance }}
{% endtest %}
