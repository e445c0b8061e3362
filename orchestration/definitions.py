"""The one Definitions of wealthpulse, merged from the per-layer modules."""

import dagster as dg

from orchestration.defs.automation import definitions as automation
from orchestration.defs.features import assets as features
from orchestration.defs.landing import assets as landing
from orchestration.defs.models import assets as models
from orchestration.defs.serving import assets as serving
from orchestration.defs.serving import scores, segments
from orchestration.defs.warehouse import assets as warehouse
from orchestration.resources import build_resources

# Only one Definitions may live at module scope: the layers are imported as modules.
defs = dg.Definitions.merge(
    landing.defs,
    warehouse.defs,
    features.defs,
    models.defs,
    scores.defs,
    serving.defs,
    segments.defs,
    automation.defs,
    dg.Definitions(resources=build_resources()),
)
