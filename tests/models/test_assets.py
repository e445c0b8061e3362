"""The model asset factory: the same four assets and two checks per config."""

import dagster as dg

from models.config import CHURN, MODEL_CONFIGS, TIERING, active_configs
from orchestration.defs.models.assets import build_model_defs, defs


def _keys(definitions: dg.Definitions) -> tuple[set[str], set[tuple[str, str, bool]]]:
    assets = {key.to_user_string() for asset in definitions.assets for key in asset.keys}
    checks = {
        (spec.asset_key.to_user_string(), spec.name, spec.blocking)
        for check in definitions.asset_checks
        for spec in check.check_specs
    }
    return assets, checks


def test_enabled_models_get_assets_and_churn_keeps_its_keys():
    assert [config.name for config in active_configs()] == ["churn", "intent", "tiering"]
    assert {config.name for config in MODEL_CONFIGS} == {"churn", "intent", "tiering"}
    assets, checks = _keys(defs)
    parts = ("training_set", "model", "onnx", "registered")
    assert assets == {f"models/{name}_{part}" for name in ("churn", "intent", "tiering") for part in parts}
    for name in ("churn", "intent", "tiering"):
        assert (f"models/{name}_onnx", "parity", True) in checks
        assert (f"models/{name}_model", "quality", False) in checks
    assert CHURN.label == "churned_60d"


def test_the_factory_builds_tiering_the_same_way():
    assets, checks = _keys(build_model_defs(TIERING))
    assert assets == {f"models/tiering_{part}" for part in ("training_set", "model", "onnx", "registered")}
    assert ("models/tiering_onnx", "parity", True) in checks


def _materialize_churn_on_a_synthetic_training_set(tmp_path, monkeypatch) -> dg.ExecuteInProcessResult:
    """model -> onnx (+ parity) -> registered on a synthetic training set, the Feast read stubbed out."""
    from orchestration.defs.models import assets as model_assets
    from orchestration.resources import FeastResource, MartsResource, PlatformResource
    from tests.models.synthetic import FEATURES, binary_frame

    platform = PlatformResource(home=str(tmp_path), preset="ci", seed=7)
    folder = platform.settings.artifacts_dir / "churn"
    folder.mkdir(parents=True)
    frame = binary_frame().drop(columns="p_true")
    frame.to_parquet(folder / "training_set.parquet", index=False)
    oracle_dir = tmp_path / "oracle"
    oracle_dir.mkdir()
    binary_frame()[["client_id", "as_of_date", "p_true"]].rename(columns={"p_true": "p_churn_60d"}).to_parquet(
        oracle_dir / "oracle.parquet"
    )
    monkeypatch.setattr(model_assets, "service_features", lambda store, service: list(FEATURES))
    monkeypatch.setattr(FeastResource, "store", lambda self: None)
    built = build_model_defs(CHURN)
    selected = [asset for asset in built.assets if asset.key.path[-1] != "churn_training_set"]
    return dg.materialize(
        [*selected, *built.asset_checks],
        resources={
            "platform": platform,
            "feast": FeastResource(platform=platform),
            # The training set's own check (not run here: that asset is not selected) names the marts.
            "marts": MartsResource(path=str(tmp_path / "marts")),
        },
        selection=[asset.key for asset in selected],
        raise_on_error=False,
    )


def test_model_assets_run_on_a_synthetic_training_set(tmp_path, monkeypatch):
    """model -> onnx (+ parity) -> registered, with quality, on a synthetic training set."""
    import json

    from models.learning_curve import write_curve
    from models.registry import champion_tag, decision_log
    from tests.models.test_learning_curve import ADVISORY

    # A learning curve measured on this state: the model card and the asset's plots show it.
    curve_rows = [{**row, "model": "churn", "head": "churn"} for row in ADVISORY]
    write_curve(tmp_path / "learning_curves", "churn", curve_rows)
    result = _materialize_churn_on_a_synthetic_training_set(tmp_path, monkeypatch)
    assert result.success
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert checks["parity"].passed
    assert "quality" in checks
    folder = tmp_path / "artifacts" / "churn"
    summary = json.loads((folder / "churn" / "summary.json").read_text())
    assert summary["oracle"]["oracle_rows"] > 0
    assert (folder / "card" / "model_card.html").exists()
    # The UI shows the plots themselves: embedded in the model asset's markdown, not only as paths.
    model_metadata = result.asset_materializations_for_node("models__churn_model")[0].metadata
    images = model_metadata["plot_images"].value
    assert images.count("](data:image/png;base64,") == 5
    assert "![churn learning curve](data:image/png;base64," in images
    assert "| 321,065 (all) | 9,729 | 0.7538 |" in images
    assert "churn_roc" in model_metadata["plots"].value
    assert 'alt="learning curve"' in (folder / "card" / "model_card.html").read_text()
    metadata = result.asset_materializations_for_node("models__churn_registered")[0].metadata
    assert metadata["stage"].value == "champion"
    assert champion_tag("churn") == metadata["tag"].value
    assert decision_log("churn")[-1]["stage"] == "champion"


def test_a_corrupted_export_fails_the_parity_check_and_is_not_registered(tmp_path, monkeypatch):
    from models.onnx_export import export_onnx
    from models.registry import champion_tag
    from orchestration.defs.models import assets as model_assets
    from tests.models.corrupt import corrupt_first_tree

    monkeypatch.setattr(
        model_assets, "export_onnx", lambda booster, name: corrupt_first_tree(export_onnx(booster, name))
    )
    # The model store lives as long as the test process: another test may have left a champion.
    champion_before = champion_tag("churn")
    result = _materialize_churn_on_a_synthetic_training_set(tmp_path, monkeypatch)

    assert not result.success
    # No learning curve on this state: the model asset says how to measure one.
    images = result.asset_materializations_for_node("models__churn_model")[0].metadata["plot_images"].value
    assert "No learning curve measured for churn" in images and "benchmarks.learning_curve --models churn" in images
    parity = next(e for e in result.get_asset_check_evaluations() if e.check_name == "parity")
    assert not parity.passed
    assert parity.metadata["max_abs_diff"].value > 1e-4
    # The check blocks: the model never reaches the store.
    assert result.asset_materializations_for_node("models__churn_registered") == []
    assert champion_tag("churn") == champion_before


def test_model_asset_keys_follow_the_config_name():
    """Keys come from the config: a renamed model gets renamed assets, and scoring's deps follow."""
    from dataclasses import replace

    import pytest

    from orchestration.defs.models.keys import model_asset_key, registered_keys

    renamed = replace(CHURN, name="attrition")
    assets, checks = _keys(build_model_defs(renamed))
    assert assets == {f"models/attrition_{part}" for part in ("training_set", "model", "onnx", "registered")}
    assert ("models/attrition_training_set", "point_in_time", True) in checks
    assert model_asset_key(renamed, "onnx") == dg.AssetKey(["models", "attrition_onnx"])
    with pytest.raises(ValueError, match="unknown model step 'scores'"):
        model_asset_key(CHURN, "scores")
    built = {key for asset in defs.assets for key in asset.keys}
    assert set(registered_keys()) <= built
    assert [key.path[-1] for key in registered_keys()] == [f"{c.name}_registered" for c in active_configs()]


def test_the_feature_service_check_asks_for_each_models_service():
    from orchestration.defs.features.assets import MODEL_SERVICES

    assert MODEL_SERVICES == tuple(config.feature_service for config in active_configs())
