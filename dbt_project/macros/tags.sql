{#- The tag catalog: declared in models/marts/tags/_tag_catalog.yml (meta.tag_catalog of
    mart_client_tags_long), plus any tags passed as --vars '{extra_tags: [...]}' (used by the
    3,000-tag benchmark). Each tag has a name, a dimension, a description, an owner and either
    a SQL `rule` over int_client_as_of or a `column` with `min` / `max` thresholds. -#}
{% macro tag_catalog() %}
    {% if not execute %}{{ return([]) }}{% endif %}
    {% set node = graph.nodes.get('model.' ~ project_name ~ '.mart_client_tags_long') %}
    {% set declared = node.config.meta.get('tag_catalog', []) if node else [] %}
    {{ return(declared + var('extra_tags', [])) }}
{% endmacro %}

{% macro tag_dimensions() %}
    {{ return(['basic_attributes', 'assets_and_trading', 'preferences', 'value_and_risk']) }}
{% endmacro %}

{#- The boolean SQL of one tag; a tag that declares neither a rule nor a column is an error. -#}
{% macro tag_condition(tag) %}
    {%- if tag.get('rule') -%}
        ({{ tag.rule }})
    {%- elif tag.get('column') -%}
        ({{ tag.column }} is not null
        {%- if tag.get('min') is not none %} and {{ tag.column }} >= {{ tag.min }}{% endif -%}
        {%- if tag.get('max') is not none %} and {{ tag.column }} < {{ tag.max }}{% endif -%})
    {%- else -%}
        {{ exceptions.raise_compiler_error("tag " ~ tag.name ~ " has neither a rule nor a column") }}
    {%- endif -%}
{% endmacro %}

{% macro validate_tag(tag) %}
    {% if tag.get('dimension') not in tag_dimensions() %}
        {{ exceptions.raise_compiler_error("tag " ~ tag.name ~ ": unknown dimension " ~ tag.get('dimension')) }}
    {% endif %}
    {% for key in ['name', 'description', 'owner'] %}
        {% if not tag.get(key) %}
            {{ exceptions.raise_compiler_error("tag " ~ tag.get('name', '?') ~ " lacks " ~ key) }}
        {% endif %}
    {% endfor %}
{% endmacro %}
