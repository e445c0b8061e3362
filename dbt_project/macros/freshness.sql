{#- Source freshness against the business date, not the wall clock.

    The simulated brokerage's "today" is its newest landing partition, which can be any date, so
    by default "today" is the newest dt= partition of any landing table. A deployment whose exports
    follow the calendar passes the business date its schedule processes instead:
    --vars '{landing_today: YYYY-MM-DD}'.

    Age runs from the start of a table's newest partition day (loaded_at_field: the dt partition)
    to the END of the business day, so a table holding today's partition is exactly one day old and
    each missing export day adds one: "warn_after: 1 day" warns at the first missing export day,
    "error_after: 3 days" errors at the third. -#}
{% macro freshness_now() -%}
    {%- set today = var('landing_today', none) -%}
    {%- set business_date = "cast('" ~ today ~ "' as timestamp)" if today else newest_landing_partition() -%}
    {{ dbt.dateadd('day', 1, business_date) }}
{%- endmacro %}

{#- The newest dt= partition folder under landing/, as a timestamp (from the file names alone). -#}
{% macro newest_landing_partition() -%}
    {{ return(adapter.dispatch('newest_landing_partition')()) }}
{%- endmacro %}

{#- Spark lists the partition folders of each landing table (the dt column of a parquet folder). -#}
{% macro spark__newest_landing_partition() -%}
    (select max(cast(dt as timestamp)) from (
    {%- for source in graph.sources.values() if source.source_name == 'landing' %}
        select max(dt) as dt from parquet.`{{ env_var("WEALTHPULSE_HOME") }}/landing/{{ source.name }}`
        {%- if not loop.last %} union all{% endif %}
    {%- endfor %}) as newest)
{%- endmacro %}

{% macro duckdb__newest_landing_partition() -%}
    (select max(cast(regexp_extract(file, 'dt=([0-9]{4}-[0-9]{2}-[0-9]{2})', 1) as timestamp))
     from glob('{{ env_var("WEALTHPULSE_HOME") }}/landing/*/dt=*/*.parquet'))
{%- endmacro %}

{#- dbt's own collect_freshness with snapshotted_at taken from freshness_now(). -#}
{% macro default__collect_freshness(source, loaded_at_field, filter) %}
    {% call statement('collect_freshness', fetch_result=True, auto_begin=False) -%}
        select
            max({{ loaded_at_field }}) as max_loaded_at,
            {{ freshness_now() }} as snapshotted_at
        from {{ adapter.dispatch('landing')(source.identifier, source) }}
        {% if filter %}
        where {{ filter }}
        {% endif %}
    {%- endcall %}
    {{ return(load_result('collect_freshness')) }}
{% endmacro %}
