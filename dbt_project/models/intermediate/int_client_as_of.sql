-- One row per client and as-of date: trailing windows, profile, the assessment in force,
-- value tier and preference group. Every mart by as-of date selects from here.
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

-- The assessment in force on the as-of date: the latest one taken on or before it; of two taken on
-- the same day, the later record (the greater assessment id: ids are issued in order) wins.
-- It is valid for 24 calendar months: through the day before the date 24 months later.
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
            and client_days.activity_on >= assessments.assessed_on
),

joined as (
    select
        client_days.*,
        clients.age_band,
        clients.branch_id,
        clients.acquisition_channel,
        clients.advisor_id,
        clients.opened_on,
        assessment_ranked.risk_level,
        assessment_ranked.assessed_on,
        case
            when assessment_ranked.assessed_on > {{ months_after('client_days.activity_on', -24) }} then 1
            else 0
        end as has_valid_assessment,
        {{ days_between('clients.opened_on', 'client_days.activity_on') }} as tenure_days,
        {{ days_between('assessment_ranked.assessed_on', 'client_days.activity_on') }} as assessment_age_days,
        {{ client_value('client_days.aum_amount', 'client_days.revenue_90d') }} as value_amount,
        coalesce(
            (client_days.fund_amount + client_days.bond_amount + client_days.wealth_product_amount)
            / nullif(client_days.aum_amount + client_days.margin_debt_amount, 0), 0
        ) as wealth_share,
        coalesce(client_days.equity_amount / nullif(client_days.aum_amount + client_days.margin_debt_amount, 0), 0)
            as equity_share
    from client_days
    inner join clients on client_days.client_id = clients.client_id
    left join assessment_ranked
        on client_days.client_id = assessment_ranked.client_id
            and client_days.activity_on = assessment_ranked.activity_on
            and assessment_ranked.assessment_rank = 1
),

axes as (
    select
        *,
        {{ value_tier('value_amount') }} as value_tier,
        case
            when trades_90d >= {{ var('active_trader_trades_90d') }} then 'active'
            when trades_90d >= {{ var('occasional_trader_trades_90d') }} then 'occasional'
            else 'rare'
        end as trading_activity,
        case
            when wealth_share >= {{ var('wealth_appetite_high_share') }} then 'high'
            when wealth_share >= {{ var('wealth_appetite_low_share') }} then 'medium'
            else 'low'
        end as wealth_appetite,
        case
            when margin_debt_amount > 0 or equity_share >= 0.7 then 'aggressive'
            when equity_share >= 0.35 then 'balanced'
            else 'conservative'
        end as allocation_style
    from joined
),

final as (
    select
        *,
        -- Five trading x wealth-management profiles times three allocation styles: 15 groups.
        case
            when trading_activity = 'rare' and wealth_appetite = 'low' then 'dormant_saver'
            when trading_activity = 'active' and wealth_appetite = 'low' then 'self_directed_trader'
            when trading_activity = 'rare' then 'wealth_builder'
            when trading_activity = 'active' then 'all_round_investor'
            else 'casual_investor'
        end || '_' || allocation_style as preference_group
    from axes
)

select * from final
