{{ config(
    materialized='incremental',
    pre_hook="{{ delete_rebuilt_days('landed_on') }}",
    **by_day('landed_on', unique_key=none, append=true)
) }}
-- Deduplicated within a landing day (macros/deduplicate.sql).
-- A table, not a view like the other staging models: the two largest landing tables are read by
-- many models and tests of every build, and a view would read and deduplicate every landed file
-- each time. Incremental by landing day: a nightly run appends the new days (macros/incremental.sql).
with source as (
    select * from {{ landing('asset_snapshots') }}
    where 1 = 1{{ and_after_watermark('dt', 'landed_on') }}
),

renamed as (
    select
        cast(client_id as string) as client_id,
        cast(snapshot_date as date) as snapshot_on,
        cast(cash as double) as cash_amount,
        cast(equity as double) as equity_amount,
        cast(fund as double) as fund_amount,
        cast(bond as double) as bond_amount,
        cast(wealth_product as double) as wealth_product_amount,
        cast(margin_debt as double) as margin_debt_amount,
        cast(aum as double) as aum_amount,
        cast(dt as date) as landed_on
    from source
)

{{ deduplicate(
    'renamed',
    partition_by='landed_on, client_id, snapshot_on',
    columns=[
        'client_id', 'snapshot_on', 'cash_amount', 'equity_amount', 'fund_amount', 'bond_amount',
        'wealth_product_amount', 'margin_debt_amount', 'aum_amount', 'landed_on'
    ],
) }}
