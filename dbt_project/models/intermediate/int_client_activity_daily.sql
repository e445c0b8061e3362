{{ config(
    materialized='incremental',
    pre_hook="{{ delete_rebuilt_days() }}",
    **by_day('activity_on', unique_key=['client_id', 'activity_on'])
) }}
-- One row per client per day the account existed: holdings plus that day's activity.
-- Incremental: a nightly run adds the new day(s) only (macros/incremental.sql).
-- Daily snapshots make the grid dense, so row-based windows below are day-based windows.
with snapshots as (
    select * from {{ ref('stg_landing__asset_snapshots') }}
    where 1 = 1{{ and_after_watermark('snapshot_on', landed='landed_on') }}
),

events as (
    select
        app_events.client_id,
        app_events.event_on as activity_on,
        sum(case when app_events.event_type = 'login' then 1 else 0 end) as login_count,
        sum(case when app_events.event_type = 'quote_view' then 1 else 0 end) as quote_view_count,
        sum(case when app_events.event_type = 'product_page_view' then 1 else 0 end) as product_view_count,
        sum(case when app_events.event_type = 'search' then 1 else 0 end) as search_count,
        sum(case when app_events.event_type = 'research_read' then 1 else 0 end) as research_read_count,
        sum(case when app_events.event_type = 'margin_page_view' then 1 else 0 end) as margin_view_count,
        sum(case when app_events.event_type = 'options_page_view' then 1 else 0 end) as options_view_count,
        sum(case when app_events.event_type = 'advisory_page_view' then 1 else 0 end) as advisory_view_count,
        sum(case when app_events.event_type = 'transfer_page_view' then 1 else 0 end) as transfer_view_count,
        {% for need, types in need_product_types().items() if need in ('equity_fund', 'fixed_income') %}
        sum(
            case when app_events.event_type = 'product_page_view' and products.product_type in ('{{ types | join("', '") }}') then 1 else 0 end
        ) as {{ need }}_view_count,
        {% endfor %}
        count(*) as event_count
    from {{ ref('stg_landing__app_events') }} as app_events
    left join {{ ref('stg_landing__products') }} as products on app_events.product_id = products.product_id
    where 1 = 1{{ and_after_watermark('app_events.event_on', landed='app_events.landed_on') }}
    group by app_events.client_id, app_events.event_on
),

flows as (
    select * from {{ ref('int_client_flows_daily') }}
    where 1 = 1{{ and_after_watermark('activity_on') }}
),

mentions as (
    select * from {{ ref('int_transcript_need_mentions') }}
    where 1 = 1{{ and_after_watermark('activity_on') }}
),

trades as (
    select
        client_id,
        traded_on as activity_on,
        count(*) as trade_count,
        {{ money_sum("trade_amount") }} as trade_amount,
        {{ money_sum("commission_amount") }} as commission_amount
    from {{ ref('stg_landing__trades') }}
    where 1 = 1{{ and_after_watermark('traded_on', landed='landed_on') }}
    group by client_id, traded_on
),

final as (
    select
        snapshots.client_id,
        snapshots.snapshot_on as activity_on,
        snapshots.cash_amount,
        snapshots.equity_amount,
        snapshots.fund_amount,
        snapshots.bond_amount,
        snapshots.wealth_product_amount,
        snapshots.margin_debt_amount,
        snapshots.aum_amount,
        coalesce(events.login_count, 0) as login_count,
        coalesce(events.quote_view_count, 0) as quote_view_count,
        coalesce(events.product_view_count, 0) as product_view_count,
        coalesce(events.search_count, 0) as search_count,
        coalesce(events.research_read_count, 0) as research_read_count,
        coalesce(events.margin_view_count, 0) as margin_view_count,
        coalesce(events.event_count, 0) as event_count,
        {% for column in ['options_view_count', 'advisory_view_count', 'transfer_view_count', 'equity_fund_view_count', 'fixed_income_view_count'] %}
        coalesce(events.{{ column }}, 0) as {{ column }},
        {% endfor %}
        {% for column in var('window_metrics')['flows'] if column not in ('revenue_amount', 'margin_interest_amount') %}
        coalesce(flows.{{ column }}, 0) as {{ column }},
        {% endfor %}
        coalesce(mentions.interaction_count, 0) as interaction_count,
        {% for need in need_codes() %}
        coalesce(mentions.mentions_{{ need }}, 0) as mentions_{{ need }},
        {% endfor %}
        coalesce(trades.trade_count, 0) as trade_count,
        coalesce(trades.trade_amount, 0) as trade_amount,
        coalesce(trades.commission_amount, 0) as commission_amount,
        snapshots.margin_debt_amount * {{ var('margin_interest_rate') }} / 365.0 as margin_interest_amount,
        coalesce(trades.commission_amount, 0) + coalesce(flows.fee_amount, 0)
        + snapshots.margin_debt_amount * {{ var('margin_interest_rate') }} / 365.0 as revenue_amount
    from snapshots
    left join events
        on snapshots.client_id = events.client_id and snapshots.snapshot_on = events.activity_on
    left join trades
        on snapshots.client_id = trades.client_id and snapshots.snapshot_on = trades.activity_on
    left join flows
        on snapshots.client_id = flows.client_id and snapshots.snapshot_on = flows.activity_on
    left join mentions
        on snapshots.client_id = mentions.client_id and snapshots.snapshot_on = mentions.activity_on
)

select * from final
