{#- Incremental by day. Landing rows only ever add days: the contracts quarantine rows that arrive
    after their day's partition, so a day once built never changes. A nightly run therefore builds
    only the days after the newest one already in the model (its watermark); a restated history or
    a changed project is rebuilt with --full-refresh (the warehouse asset decides, see
    orchestration/defs/warehouse/refresh.py).

    A backfill of landing days rebuilds from its first day instead: `--vars '{rebuild_from: YYYY-MM-DD}'`
    moves the watermark to the day before it, so that day and every later one are rebuilt (the later
    days' trailing windows and "last seen" days read the rebuilt ones). -#}

{#- The newest day already built (or kept, in a rebuild), as a scalar expression (only valid in
    incremental runs). -#}
{% macro watermark(column='activity_on') -%}
    {%- if var('rebuild_from', none) -%}
    {{ dbt.dateadd('day', -1, "cast('" ~ var('rebuild_from') ~ "' as date)") }}
    {%- else -%}
    (select max({{ column }}) from {{ this }})
    {%- endif -%}
{%- endmacro %}

{#- `and <column> is after the watermark` in incremental runs; nothing in a full build. -#}
{% macro and_after_watermark(column, watermark_column='activity_on') -%}
    {%- if is_incremental() %} and {{ column }} > {{ watermark(watermark_column) }}{% endif -%}
{%- endmacro %}

{#- In a rebuild, the rows at or after its first day are deleted first: a day the rebuild no longer
    produces (an as-of date that moved) must not survive it. -#}
{% macro delete_rebuilt_days(column='activity_on') -%}
    {%- if is_incremental() and var('rebuild_from', none) -%}
    delete from {{ this }} where {{ column }} > {{ watermark(column) }}
    {%- endif -%}
{%- endmacro %}

{#- Write the model's table as parquet for readers outside the warehouse (Feast reads marts/). -#}
{% macro export_parquet(file_name) -%}
    {{ return(adapter.dispatch('export_parquet')(file_name)) }}
{%- endmacro %}

{% macro duckdb__export_parquet(file_name) -%}
    copy (select * from {{ this }}) to '{{ env_var("WEALTHPULSE_HOME") }}/marts/{{ file_name }}.parquet' (format parquet)
{%- endmacro %}

{#- Before an incremental run of a model by as-of date: delete the rows whose date is no longer an
    as-of date (yesterday's "latest" day, unless it falls on the weekly grid). -#}
{% macro drop_retired_as_of_dates(column='as_of_date') -%}
    {%- if is_incremental() -%}
    delete from {{ this }} where {{ column }} not in (select as_of_date from {{ ref('int_as_of_dates') }})
    {%- endif -%}
{%- endmacro %}

{#- Money is summed in fen and rounded back to the fen. A double sum's last bits depend on the
    order in which it is added up, and a nightly incremental build adds a window's days in another
    order than a full build: rounding makes both give the same value, so a model retrained on
    either is the same model. -#}
{% macro money_sum(expression) -%}
    round(sum({{ expression }}), 2)
{%- endmacro %}

{#- The sum of a daily column over the trailing `days` rows (one row per day: the last `days` days);
    amounts are rounded to the fen as in money_sum. -#}
{% macro trailing_sum(column, days) -%}
    {%- set total -%}
    sum({{ column }}) over (partition by client_id order by activity_on rows between {{ days - 1 }} preceding and current row)
    {%- endset -%}
    {%- if column.endswith('_amount') -%}round({{ total }}, 2){%- else -%}{{ total }}{%- endif -%}
{%- endmacro %}
