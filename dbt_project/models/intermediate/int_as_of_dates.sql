-- The dates features and labels are computed for: weekly for history (after a warm-up so
-- the longest window has data), plus the latest day, which the online store serves.
-- The days come from the daily grid (one row per snapshot), a table, not from the staged landing files.
with days as (
    select distinct activity_on as as_of_date from {{ ref('int_client_activity_daily') }}
),

bounds as (
    select min(as_of_date) as first_day, max(as_of_date) as last_day from days
),

final as (
    select
        days.as_of_date,
        coalesce(days.as_of_date = bounds.last_day, false) as is_latest
    from days
    cross join bounds
    where days.as_of_date = bounds.last_day
        or (
            {{ days_between('bounds.first_day', 'days.as_of_date') }} >= {{ var('as_of_warmup_days') }}
            and {{ days_between('bounds.first_day', 'days.as_of_date') }} % {{ var('as_of_step_days') }} = 0
        )
)

select * from final
