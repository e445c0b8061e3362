{#- The six client needs, the product types that fulfil them, and the words that mention them in
    Chinese and English transcripts (matched case-insensitively as substrings). -#}
{% macro need_codes() %}
    {{ return(['equity_fund', 'fixed_income', 'margin_financing', 'options', 'advisory', 'transfer_in']) }}
{% endmacro %}

{% macro need_product_types() %}
    {{ return({
        'equity_fund': ['equity_fund', 'structured_note'],
        'fixed_income': ['bond_fund', 'wealth_product', 'money_market'],
        'options': ['option'],
        'advisory': ['advisory_plan'],
    }) }}
{% endmacro %}

{% macro need_keywords() %}
    {{ return({
        'equity_fund': ['equity fund', 'stock fund', 'index fund', '股票基金', '偏股', '权益', '指数基金', '基金定投'],
        'fixed_income': ['bond', 'fixed income', 'wealth product', '债券', '债基', '固收', '理财'],
        'margin_financing': ['margin', 'leverage', '两融', '融资', '融券', '杠杆'],
        'options': ['option', '期权'],
        'advisory': ['advisory', 'advice', 'advisor plan', '投顾', '顾问'],
        'transfer_in': ['transfer', 'deposit', 'move money', 'bring money', '转入', '入金', '转账', '资金转'],
    }) }}
{% endmacro %}

{#- A boolean: does the text mention the need? -#}
{% macro mentions_need(text_column, need) -%}
    ({% for word in need_keywords()[need] %}lower({{ text_column }}) like '%{{ word }}%'{% if not loop.last %} or {% endif %}{% endfor %})
{%- endmacro %}
