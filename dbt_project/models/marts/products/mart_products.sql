{{ config(
    materialized='external',
    location=env_var('WEALTHPULSE_HOME') ~ '/marts/products.parquet',
) }}
-- The product shelf with its risk rating and the client need each product serves.
with products as (
    select * from {{ ref('stg_landing__products') }}
)

select
    product_id,
    product_name,
    product_type,
    risk_rating,
    cast(substr(risk_rating, 2, 1) as integer) as risk_rating_code,
    case product_type
        when 'equity_fund' then 'equity_fund'
        when 'structured_note' then 'equity_fund'
        when 'bond_fund' then 'fixed_income'
        when 'wealth_product' then 'fixed_income'
        when 'money_market' then 'fixed_income'
        when 'option' then 'options'
        when 'advisory_plan' then 'advisory'
    end as need
from products
