{#- Value tiers T1..T5. value = aum + revenue_weight x revenue over the trailing 90 days, where
    revenue = commissions + product fees + margin interest. Thresholds live in dbt_project.yml
    (vars.tier_thresholds) and match the simulator's rule. -#}
{% macro client_value(aum, revenue_90d) -%}
    ({{ aum }} + {{ var('tier_revenue_weight') }} * {{ revenue_90d }})
{%- endmacro %}

{% macro value_tier(value) -%}
    case
        {%- for threshold in var('tier_thresholds') %}
        when {{ value }} < {{ threshold }} then 'T{{ loop.index }}'
        {%- endfor %}
        else 'T{{ var("tier_thresholds") | length + 1 }}'
    end
{%- endmacro %}

{% macro tier_code(tier) -%}
    cast(substr({{ tier }}, 2, 1) as integer)
{%- endmacro %}
