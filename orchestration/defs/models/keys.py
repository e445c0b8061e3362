"""Asset keys of the model assets, derived from the model configs: no layer types a model's key by hand.

A config named ``<m>`` has the assets ``models/<m>_training_set``, ``models/<m>_model``,
``models/<m>_onnx`` and ``models/<m>_registered``. Downstream assets depend on ``registered_keys()``.
"""

import dagster as dg

from models.config import ModelConfig, active_configs

GROUP = "models"
STEPS = ("training_set", "model", "onnx", "registered")


def model_asset_key(config: ModelConfig, step: str) -> dg.AssetKey:
    if step not in STEPS:
        raise ValueError(f"unknown model step {step!r}; expected one of {list(STEPS)}")
    return dg.AssetKey([GROUP, f"{config.name}_{step}"])


def registered_keys(configs: list[ModelConfig] | None = None) -> list[dg.AssetKey]:
    """The registered model of every active config: what scoring depends on."""
    return [model_asset_key(config, "registered") for config in (configs or active_configs())]
