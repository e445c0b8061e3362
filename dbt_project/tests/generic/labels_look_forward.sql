{% test labels_look_forward(model, as_of_column, horizon_days) %}
-- A label row needs its whole horizon observed: no as-of date later than the last observed day
-- minus the horizon (labels never peek past the data, and never look backwards).
select *
from {{ model }}
where {{ dbt.dateadd('day', horizon_days, as_of_column) }} > (
    select max(snapshot_on) from {{ ref('stg_landing__asset_snapshots') }}
)
{% endtest %}
