{#- Trailing windows over one row per client and day. The rows are dense (a snapshot every day the
    account exists; the test no_missing_days on int_client_activity_daily watches it), so the last
    N rows are the last N calendar days.

    Two renderings of the same value, chosen by the model (see int_client_activity_windows):
    - a window function over the client's rows (`by_day_back` false): a full build, or many new days;
    - an aggregate per client and new day over the rows of its longest window, each with its
      `days_back` from the new day (`by_day_back` true): a nightly run of a few days, which then
      computes those days' rows only. -#}

{% macro trailing(aggregate, column, days, by_day_back=false) -%}
    {%- if by_day_back -%}
    {{ aggregate }}(case when days_back < {{ days }} then {{ column }} end)
    {%- else -%}
    {{ aggregate }}({{ column }}) over (partition by client_id order by activity_on rows between {{ days - 1 }} preceding and current row)
    {%- endif -%}
{%- endmacro %}

{#- The sum over the trailing `days` days; amounts are rounded to the fen as in money_sum, so the two
    renderings (which add in different orders) give the same value to the last bit. -#}
{% macro trailing_sum(column, days, by_day_back=false) -%}
    {%- if column.endswith('_amount') -%}round({{ trailing('sum', column, days, by_day_back) }}, 2)
    {%- else -%}{{ trailing('sum', column, days, by_day_back) }}{%- endif -%}
{%- endmacro %}

{#- The value `days` days before. -#}
{% macro days_ago(column, days, by_day_back=false) -%}
    {%- if by_day_back -%}
    max(case when days_back = {{ days }} then {{ column }} end)
    {%- else -%}
    lag({{ column }}, {{ days }}) over (partition by client_id order by activity_on)
    {%- endif -%}
{%- endmacro %}

{#- The daily rows as a full build's window functions read them, with `counts` the count columns they
    sum. DuckDB holds every input row of a window in memory, spilling beyond its memory limit, and
    its daily counts are HUGEINT (sums of sums, 16 bytes): read as 32-bit integers, the rows take half
    the memory (the 50,000-client build's 16.9 M rows stop spilling most of themselves) and each sum is
    the same HUGEINT. A daily count beyond an integer stops the build rather than wrapping. Spark's
    counts are bigint already. -#}
{% macro window_input(counts) -%}
    {{ return(adapter.dispatch('window_input')(counts)) }}
{%- endmacro %}

{% macro default__window_input(counts) -%}
    *
{%- endmacro %}

{% macro duckdb__window_input(counts) -%}
    * replace ({% for column in counts %}cast({{ column }} as integer) as {{ column }}{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}
