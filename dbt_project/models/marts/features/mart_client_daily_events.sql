{{ config(
    materialized='incremental',
    on_schema_change='fail',
    pre_hook="{{ delete_rebuilt_days() }}",
    post_hook="{{ export_parquet('client_daily_events') }}",
    **by_day('activity_on', unique_key=['client_id', 'activity_on'])
) }}
-- App events per client and day: the batch history of the live events the app pushes during
-- the day, so live features mean the same thing in training and in serving. Incremental by day;
-- the whole table is exported to marts/client_daily_events.parquet after each run.
-- Its columns are a contract (the model's YAML), and dbt has an incremental model under a contract
-- fail on a schema change; a changed project is rebuilt in full anyway (warehouse/refresh.py).
with events as (
    select * from {{ ref('stg_landing__app_events') }}
    where 1 = 1{{ and_after_watermark('event_on', landed='landed_on') }}
)

select
    client_id,
    event_on as activity_on,
    cast(event_on as timestamp) as event_ts,
    cast(sum(case when event_type = 'login' then 1 else 0 end) as double) as live_logins_today,
    cast(sum(case when event_type = 'product_page_view' then 1 else 0 end) as double) as live_product_views_today,
    cast(sum(case when event_type = 'search' then 1 else 0 end) as double) as live_searches_today,
    cast(max(
        case when event_type = 'login' then {{ epoch_seconds('event_at') }} end
    ) as double) as live_last_login_epoch
from events
group by client_id, event_on
