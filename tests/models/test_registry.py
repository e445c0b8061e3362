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


def test_champion_challenger_decisions():
    from models.registry import CHALLENGER, CHAMPION, champion_tag, decide, decision_log, load_champion
    from models.registry import register_candidate as candidate

    name = "unit_cc"
    first = decide("auc", 0.80, None, 0.002, parity_passed=True)
    assert first.stage == CHAMPION
    tag1, _ = candidate(name, b"model one", {"metrics": {"auc": 0.80}}, first, files={"model.txt": b"trees"})
    assert champion_tag(name) == tag1

    # Better by less than the margin on the same holdout: stays a challenger.
    close = decide("auc", 0.801, 0.80, 0.002, parity_passed=True, champion_tag=tag1)
    tag2, _ = candidate(name, b"model two", {}, close)
    assert close.stage == CHALLENGER and champion_tag(name) == tag1

    # Much better but failed parity: never a champion.
    broken = decide("auc", 0.95, 0.80, 0.002, parity_passed=False, champion_tag=tag1)
    candidate(name, b"model three", {}, broken)
    assert broken.stage == CHALLENGER and champion_tag(name) == tag1

    # Better by the margin: the new champion, what serving loads.
    better = decide("auc", 0.803, 0.80, 0.002, parity_passed=True, champion_tag=tag1)
    tag4, _ = candidate(name, b"model four", {"feature_names": ["a"]}, better)
    assert better.stage == CHAMPION
    data, metadata, tag = load_champion(name)
    assert (data, tag) == (b"model four", tag4)
    assert metadata["decision"]["champion"] == 0.80 and metadata["decision"]["stage"] == CHAMPION

    # The same bytes again: nothing new, the stored decision stands.
    again, decision = candidate(name, b"model two", {}, better)
    assert again == tag2 and decision.stage == CHALLENGER
    log = decision_log(name)
    assert [entry["stage"] for entry in log] == [CHAMPION, CHALLENGER, CHALLENGER, CHAMPION]
    assert log[2]["reason"] == "failed the ONNX parity gate"

    from models.registry import load_file

    assert load_file(tag1) == b"trees"


def test_no_champion_is_a_clear_error():
    import pytest

    from models.registry import load_champion

    with pytest.raises(LookupError, match="no champion"):
        load_champion("unit_never_registered")


def test_frame_fingerprint_follows_the_data():
    import pandas as pd

    from models.registry import frame_fingerprint

    frame = pd.DataFrame({"a": [1, 2], "b": [0.5, 0.25]})
    assert frame_fingerprint(frame) == frame_fingerprint(frame.copy())
    assert frame_fingerprint(frame) != frame_fingerprint(frame.assign(b=[0.5, 0.26]))
