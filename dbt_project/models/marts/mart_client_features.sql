{{ config(
    materialized='external',
    location=env_var('WEALTHPULSE_HOME') ~ '/marts/client_features.parquet',
) }}
-- Client features by as-of date: everything here was known at the end of the as-of date.
-- Exported as parquet: the Feast offline source reads this file.
with as_of as (
    select * from {{ ref('int_as_of_dates') }}
),

windows as (
    select * from {{ ref('int_client_activity_windows') }}
),

clients as (
    select * from {{ ref('stg_landing__clients') }}
),

assessments as (
    select * from {{ ref('stg_landing__risk_assessments') }}
),

client_days as (
    select windows.*
    from windows
    inner join as_of on windows.activity_on = as_of.as_of_date
),

-- The assessment in force on the as-of date: the latest one taken on or before it.
assessment_ranked as (
    select
        client_days.client_id,
        client_days.activity_on,
        assessments.risk_level,
        assessments.assessed_on,
        row_number() over (
            partition by client_days.client_id, client_days.activity_on
            order by assessments.assessed_on desc, assessments.assessment_id desc
        ) as assessment_rank
    from client_days
    inner join assessments
        on client_days.client_id = assessments.client_id
        and assessments.assessed_on <= client_days.activity_on
),

final as (
    select
        client_days.client_id,
        client_days.activity_on as as_of_date,
        cast(client_days.activity_on as timestamp) as feature_ts,
        {% for days in [7, 30, 90] %}
        cast(client_days.logins_{{ days }}d as double) as logins_{{ days }}d,
        cast(client_days.events_{{ days }}d as double) as events_{{ days }}d,
        cast(client_days.trades_{{ days }}d as double) as trades_{{ days }}d,
        cast(client_days.trade_amount_{{ days }}d as double) as trade_amount_{{ days }}d,
        {% endfor %}
        cast(client_days.quote_views_30d as double) as quote_views_30d,
        cast(client_days.product_views_30d as double) as product_views_30d,
        cast(client_days.searches_30d as double) as searches_30d,
        cast(client_days.research_reads_30d as double) as research_reads_30d,
        cast(client_days.margin_views_30d as double) as margin_views_30d,
        cast(client_days.commission_90d as double) as commission_90d,
        client_days.aum_amount as aum,
        coalesce(client_days.aum_amount / nullif(client_days.aum_7d_ago, 0) - 1, 0) as aum_change_7d,
        coalesce(client_days.aum_amount / nullif(client_days.aum_30d_ago, 0) - 1, 0) as aum_change_30d,
        coalesce(client_days.cash_amount / nullif(client_days.aum_amount + client_days.margin_debt_amount, 0), 0) as cash_share,
        coalesce(client_days.equity_amount / nullif(client_days.aum_amount + client_days.margin_debt_amount, 0), 0) as equity_share,
        coalesce((client_days.fund_amount + client_days.bond_amount + client_days.wealth_product_amount)
            / nullif(client_days.aum_amount + client_days.margin_debt_amount, 0), 0) as wealth_share,
        client_days.margin_debt_amount as margin_debt,
        -- Days since the last login (or trade); when there was none, days since history began.
        cast({{ dbt.datediff('coalesce(client_days.last_login_on, client_days.first_seen_on)', 'client_days.activity_on', 'day') }} as double) as days_since_last_login,
        cast({{ dbt.datediff('coalesce(client_days.last_trade_on, client_days.first_seen_on)', 'client_days.activity_on', 'day') }} as double) as days_since_last_trade,
        cast({{ dbt.datediff('clients.opened_on', 'client_days.activity_on', 'day') }} as double) as tenure_days,
        cast(case clients.age_band
            when '18-29' then 1 when '30-39' then 2 when '40-49' then 3 when '50-59' then 4 when '60+' then 5
        end as double) as age_band_code,
        cast(case when clients.advisor_id is null then 0 else 1 end as double) as has_advisor,
        cast(coalesce(cast(substr(assessment_ranked.risk_level, 2, 1) as integer), 0) as double) as risk_level_code,
        cast(case
            when assessment_ranked.assessed_on > {{ dbt.dateadd('month', -24, 'client_days.activity_on') }} then 1
            else 0
        end as double) as has_valid_assessment
    from client_days
    inner join clients on client_days.client_id = clients.client_id
    left join assessment_ranked
        on client_days.client_id = assessment_ranked.client_id
        and client_days.activity_on = assessment_ranked.activity_on
        and assessment_ranked.assessment_rank = 1
)

select * from final
