{#- Incremental by day. Landing rows only ever add days: the contracts quarantine rows that arrive
    after their day's partition, so a day once built never changes. A nightly run therefore builds
    only the days after the newest one already in the model (its watermark); a restated history or
    a changed project is rebuilt with --full-refresh (the warehouse asset decides, see
    orchestration/defs/warehouse/refresh.py).

    A backfill of landing days rebuilds from its first day instead: `--vars '{rebuild_from: YYYY-MM-DD}'`
    moves the watermark to the day before it, so that day and every later one are rebuilt (the later
    days' trailing windows and "last seen" days read the rebuilt ones). -#}

{#- The newest day already built (or kept, in a rebuild), as a date literal (only valid in
    incremental runs). A literal, not a subquery: DuckDB pushes a constant filter into the parquet
    scans (only the new dt= folders are read) and into the table's zone maps, a subquery it cannot. -#}
{% macro watermark(column='activity_on') -%}
    {%- if var('rebuild_from', none) -%}
    {{ days_after("cast('" ~ var('rebuild_from') ~ "' as date)", -1) }}
    {%- elif execute -%}
    {%- set newest = run_query('select max(' ~ column ~ ') from ' ~ this).columns[0].values()[0] -%}
    {%- if newest is none -%}cast(null as date){%- else -%}cast('{{ newest }}' as date){%- endif -%}
    {%- else -%}
    (select max({{ column }}) from {{ this }})
    {%- endif -%}
{%- endmacro %}

{#- `and <column> is after the watermark` in incremental runs; nothing in a full build. `landed`, the
    staging model's landing day: a row dated after the watermark landed after it too (the contracts
    quarantine rows dated after their landing day), so filtering on it changes no row, and it is
    applied before staging's deduplication instead of after it. (The quarantine anti-join in the
    source still keeps it from pruning dt= folders: every landed file is read.) -#}
{% macro and_after_watermark(column, watermark_column='activity_on', landed=none) -%}
    {%- if is_incremental() %} and {{ column }} > {{ watermark(watermark_column) }}
        {%- if landed %} and {{ landed }} > {{ watermark(watermark_column) }}{% endif -%}
    {%- endif -%}
{%- endmacro %}

{#- In a rebuild, the rows at or after its first day are deleted first: a day the rebuild no longer
    produces (an as-of date that moved) must not survive it. -#}
{% macro delete_rebuilt_days(column='activity_on') -%}
    {%- if is_incremental() and var('rebuild_from', none) -%}
    {{ delete_days(column, column ~ ' > ' ~ watermark(column)) }}
    {%- endif -%}
{%- endmacro %}

{#- Write the model's table as parquet for readers outside the warehouse (Feast reads marts/): one file,
    marts/<file_name>.parquet, on either engine. -#}
{% macro export_parquet(file_name) -%}
    {{ return(adapter.dispatch('export_parquet')(file_name)) }}
{%- endmacro %}

{% macro duckdb__export_parquet(file_name) -%}
    copy (select * from {{ this }}) to '{{ env_var("WEALTHPULSE_HOME") }}/marts/{{ file_name }}.parquet' (format parquet)
{%- endmacro %}

{#- Spark writes a folder of part files (one here) under warehouse/spark/exports/; the build then
    collects each into marts/<file_name>.parquet (wealthpulse/spark.py, collect_exports). Under a
    contract the columns go in its order: a partitioned Spark table keeps its partition column last. -#}
{% macro spark__export_parquet(file_name) -%}
    {%- set contracted = model.config.get('contract', {}).get('enforced', false) -%}
    {%- set columns = model.columns.keys() | list if contracted else ['*'] -%}
    insert overwrite directory '{{ env_var("WEALTHPULSE_HOME") }}/warehouse/spark/exports/{{ file_name }}' using parquet
    select /*+ COALESCE(1) */ {{ columns | join(', ') }} from {{ this }}
{%- endmacro %}

{#- Before an incremental run of a model by as-of date: delete the rows whose date is no longer an
    as-of date (yesterday's "latest" day, unless it falls on the weekly grid). -#}
{% macro drop_retired_as_of_dates(column='as_of_date') -%}
    {%- if is_incremental() -%}
    {{ delete_days(column, column ~ ' not in (select as_of_date from ' ~ ref('int_as_of_dates') ~ ')') }}
    {%- endif -%}
{%- endmacro %}

{#- Money is summed in fen and rounded back to the fen. A double sum's last bits depend on the
    order in which it is added up, and a nightly incremental build adds a window's days in another
    order than a full build: rounding makes both give the same value, so a model retrained on
    either is the same model. -#}
{% macro money_sum(expression) -%}
    round(sum({{ expression }}), 2)
{%- endmacro %}
