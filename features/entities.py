from feast import Entity, ValueType

client = Entity(
    name="client",
    join_keys=["client_id"],
    value_type=ValueType.STRING,
    description="A brokerage client account.",
    tags={"owner": "data-platform"},
)
