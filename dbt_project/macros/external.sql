{#- On Spark, the marts DuckDB materializes as `external` (a parquet file under marts/, config
    `location`) are tables, exported after they are built to marts/<file name> as on DuckDB (see
    spark__export_parquet). -#}
{% materialization external, adapter='spark' %}
    {%- set identifier = model['alias'] -%}
    {%- set old_relation = adapter.get_relation(database=database, schema=schema, identifier=identifier) -%}
    {%- set target_relation = api.Relation.create(identifier=identifier, schema=schema, database=database, type='table') -%}
    {%- set file_name = config.require('location').split('/')[-1] | replace('.parquet', '') -%}

    {{ run_hooks(pre_hooks) }}
    {% if old_relation is not none %}
        {{ adapter.drop_relation(old_relation) }}
    {% endif %}
    {%- call statement('main') -%}
        {{ create_table_as(False, target_relation, compiled_code) }}
    {%- endcall -%}
    {%- call statement('export') -%}
        {{ spark__export_parquet(file_name) }}
    {%- endcall -%}
    {{ run_hooks(post_hooks) }}

    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
