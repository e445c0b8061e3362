{% test group_count_at_most(model, column_name, max_groups) %}
select count(distinct {{ column_name }}) as groups
from {{ model }}
having count(distinct {{ column_name }}) > {{ max_groups }}
{% endtest %}
