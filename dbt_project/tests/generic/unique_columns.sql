{% test unique_columns(model, columns) %}
-- The grain of a model: no two rows share the same values of these columns.
select {{ columns | join(', ') }}, count(*) as row_count
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
