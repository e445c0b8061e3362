{#- What differs between the engines the warehouse runs on (DuckDB, Spark), dispatched by adapter so the
    models read the same on both. Types need no macro: the models and contracts use names both engines
    accept (string, integer, bigint, double, boolean, date, timestamp). -#}

{#- One landing table's accepted rows: its hive-partitioned parquet (dt= folders) minus the rows the
    landing contracts quarantined (file and 0-based row number, quarantine/_quarantined_keys). Calls
    source() so dbt and the asset graph still see the landing table as the model's parent. -#}
{% macro landing(table) -%}
    {%- set relation = source('landing', table) -%}
    {{ return(adapter.dispatch('landing')(table, relation)) }}
{%- endmacro %}

{#- DuckDB reads the source's external_location (models/staging/_landing__sources.yml). -#}
{% macro default__landing(table, relation) -%}
    {{ relation }}
{%- endmacro %}

{% macro spark__landing(table, relation) -%}
    {%- set home = env_var('WEALTHPULSE_HOME') -%}
    (select landed.*
    from parquet.`{{ home }}/landing/{{ table }}` as landed
    left anti join parquet.`{{ home }}/quarantine/_quarantined_keys/{{ table }}.parquet` as quarantined
        on endswith(landed._metadata.file_path, quarantined._source_file)
        and landed._metadata.row_index = quarantined._row)
{%- endmacro %}

{#- The date `days` days after a date (before, when negative). -#}
{% macro days_after(column, days) -%}
    {{ return(adapter.dispatch('days_after')(column, days)) }}
{%- endmacro %}

{% macro default__days_after(column, days) -%}
    {{ dbt.dateadd('day', days, column) }}
{%- endmacro %}

{#- dbt's Spark dateadd asserts its argument is not null and returns a timestamp; a date stays a date. -#}
{% macro spark__days_after(column, days) -%}
    date_add({{ column }}, {{ days }})
{%- endmacro %}

{% macro months_after(column, months) -%}
    {{ return(adapter.dispatch('months_after')(column, months)) }}
{%- endmacro %}

{% macro default__months_after(column, months) -%}
    {{ dbt.dateadd('month', months, column) }}
{%- endmacro %}

{% macro spark__months_after(column, months) -%}
    add_months({{ column }}, {{ months }})
{%- endmacro %}

{#- Whole days from `first` to `second`; null when either is (never assessed, never logged in). -#}
{% macro days_between(first, second) -%}
    {{ return(adapter.dispatch('days_between')(first, second)) }}
{%- endmacro %}

{% macro default__days_between(first, second) -%}
    {{ dbt.datediff(first, second, 'day') }}
{%- endmacro %}

{% macro spark__days_between(first, second) -%}
    datediff(cast({{ second }} as date), cast({{ first }} as date))
{%- endmacro %}

{#- A timestamp (UTC wall clock) as seconds since 1970-01-01. -#}
{% macro epoch_seconds(timestamp) -%}
    {{ return(adapter.dispatch('epoch_seconds')(timestamp)) }}
{%- endmacro %}

{% macro default__epoch_seconds(timestamp) -%}
    {{ dbt.datediff("cast('1970-01-01' as timestamp)", timestamp, 'second') }}
{%- endmacro %}

{#- The session time zone is UTC (profiles.yml), so Spark's epoch is the wall clock's. -#}
{% macro spark__epoch_seconds(timestamp) -%}
    unix_timestamp(cast({{ timestamp }} as timestamp))
{%- endmacro %}

{#- The config of a model incremental by day (`column`): DuckDB deletes the new days' rows by key
    and inserts them; Spark's parquet tables cannot delete rows, so there the table is partitioned by
    the day and a run overwrites the day partitions it writes. `append` keeps DuckDB appending (a
    model whose rows are only ever new days). -#}
{% macro by_day(column, unique_key, append=false) -%}
    {{ return(adapter.dispatch('by_day')(column, unique_key, append)) }}
{%- endmacro %}

{% macro default__by_day(column, unique_key, append) -%}
    {%- if append -%}
    {{ return({'incremental_strategy': 'append'}) }}
    {%- else -%}
    {{ return({'incremental_strategy': 'delete+insert', 'unique_key': unique_key}) }}
    {%- endif -%}
{%- endmacro %}

{% macro spark__by_day(column, unique_key, append) -%}
    {{ return({'incremental_strategy': 'insert_overwrite', 'partition_by': [column], 'file_format': 'parquet'}) }}
{%- endmacro %}

{#- Delete the rows of the days `where` selects from the model's table (`where` reads `column`). -#}
{% macro delete_days(column, where) -%}
    {{ return(adapter.dispatch('delete_days')(column, where)) }}
{%- endmacro %}

{% macro default__delete_days(column, where) -%}
    delete from {{ this }} where {{ where }}
{%- endmacro %}

{#- Spark drops the day partitions instead, one statement each (found first; none, no statement). -#}
{% macro spark__delete_days(column, where) -%}
    {%- if execute -%}
    {%- set days = run_query('select distinct ' ~ column ~ ' from ' ~ this ~ ' where ' ~ where).columns[0].values() -%}
    {%- for day in days -%}
    {%- do run_query('alter table ' ~ this ~ " drop if exists partition (" ~ column ~ " = '" ~ day ~ "')") -%}
    {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
