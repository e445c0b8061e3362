{{ config(
    materialized='external',
    location=env_var('WEALTHPULSE_HOME') ~ '/marts/products.parquet',
) }}
-- The product shelf with its risk rating and the client need each product serves, plus the two
-- services that fulfil the other needs, rated like products so the suitability rule covers them:
-- a margin account is a high-risk offer (R4), a transfer-in a riskless one (R1).
with products as (
    select * from {{ ref('stg_landing__products') }}
),

services as (
    select
        'SVC-MARGIN' as product_id, 'Margin financing account' as product_name,
        'margin_account' as product_type, 'R4' as risk_rating
    union all
    select
        'SVC-TRANSFER-IN' as product_id, 'Transfer money in' as product_name,
        'transfer_service' as product_type, 'R1' as risk_rating
),

shelf as (
    select product_id, product_name, product_type, risk_rating from products
    union all
    select product_id, product_name, product_type, risk_rating from services
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
        when 'margin_account' then 'margin_financing'
        when 'transfer_service' then 'transfer_in'
    end as need
from shelf
