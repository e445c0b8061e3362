-- The 5 x 15 service matrix on the latest as-of date: clients and assets per tier and group.
with tiers as (
    select * from {{ ref('mart_client_tiers') }}
),

latest as (
    select tiers.*
    from tiers
    where tiers.as_of_date = (select max(all_days.as_of_date) from tiers as all_days)
)

select
    as_of_date,
    value_tier,
    preference_group,
    count(*) as clients,
    {{ money_sum("value_amount") }} as value_amount
from latest
group by as_of_date, value_tier, preference_group
