import bentoml

from models.registry import load, model_version, register


def test_register_is_content_addressed_and_loads_back():
    payload = b"not really onnx, but bytes the store keeps as they are"
    tag = register("unit_model", payload, metadata={"metrics": {"auc": 0.9}, "feature_names": ["a", "b"]})
    assert tag == f"unit_model:{model_version(payload)}"
    # Registering the same content again changes nothing.
    assert register("unit_model", payload, metadata={"metrics": {"auc": 0.9}}) == tag
    assert len([m for m in bentoml.models.list() if m.tag.name == "unit_model"]) == 1

    data, metadata, loaded_tag = load("unit_model")
    assert data == payload
    assert metadata["feature_names"] == ["a", "b"]
    assert metadata["metrics"]["auc"] == 0.9
    assert loaded_tag == tag
