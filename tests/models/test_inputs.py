"""No point in time reaches a model: the model asset trains on the service's features less the *_epoch ones."""

import json

from tests.models import synthetic
from tests.models.test_assets import _materialize_churn_on_a_synthetic_training_set


def test_the_model_asset_leaves_the_as_of_time_out_of_the_inputs(tmp_path, monkeypatch):
    service = [*synthetic.FEATURES, "as_of_epoch", "live_last_login_epoch"]
    monkeypatch.setattr(synthetic, "FEATURES", service)
    result = _materialize_churn_on_a_synthetic_training_set(tmp_path, monkeypatch)
    assert result.success
    summary = json.loads((tmp_path / "artifacts" / "churn" / "churn" / "summary.json").read_text())
    assert summary["feature_names"] == service[:-2]
