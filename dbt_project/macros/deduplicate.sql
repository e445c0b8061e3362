{#- One row per key out of a staging model's renamed landing rows.

    Two kinds of key, by how a table lands:
    - event tables (events, trades, transfers, orders, calls) are deduplicated within a landing day,
      `partition_by` the landing day and the event key, in no particular order (Spark wants one: the
      key itself): the landing contracts quarantine a key already landed on another day, so the same
      key within one day is the same row sent twice;
      a window by landing day also lets a filter on the landing day apply before the deduplication.
    - reference tables (clients, products, campaigns...) are exported whole again and again:
      `partition_by` the key, `order_by` the landing day descending, and the newest export wins.

    `columns` are the ones the model keeps; the renamed rows may carry more (the landing day used
    only to order). -#}
{% macro deduplicate(relation, partition_by, columns, order_by=none) -%}
select {{ columns | join(', ') }}
from (
    select
        {{ relation }}.*,
        row_number() over (
            partition by {{ partition_by }} order by {{ order_by or partition_by }}
        ) as row_rank
    from {{ relation }}
) as ranked
where row_rank = 1
{%- endmacro %}
