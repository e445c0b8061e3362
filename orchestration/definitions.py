"""The one Definitions of wealthpulse, merged from the per-layer modules."""

import dagster as dg

from orchestration.defs.features.assets import defs as features_defs
from orchestration.defs.landing.assets import defs as landing_defs
from orchestration.defs.models.assets import defs as models_defs
from orchestration.defs.warehouse.assets import defs as warehouse_defs
from orchestration.resources import build_resources

defs = dg.Definitions.merge(
    landing_defs,
    warehouse_defs,
    features_defs,
    models_defs,
    dg.Definitions(resources=build_resources()),
)
