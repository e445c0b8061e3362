{#- Each key's rows are consecutive days, first to last: the trailing windows count rows as days
    (macros/trailing.sql). A day missing in between (e.g. a snapshot the contracts quarantined) makes
    that client's windows span one more day; the failing rows name the client. -#}
{% test no_missing_days(model, key='client_id', day='activity_on') %}
select
    {{ key }},
    min({{ day }}) as first_day,
    max({{ day }}) as last_day,
    count(*) as day_rows
from {{ model }}
group by {{ key }}
having count(*) <> {{ dbt.datediff('min(' ~ day ~ ')', 'max(' ~ day ~ ')', 'day') }} + 1
{% endtest %}
