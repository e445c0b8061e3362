"""The one Definitions of wealthpulse, merged from the per-layer modules.

This is the code location's entry (``dagster dev -m orchestration.definitions``, ``wealthpulse run``):
the settings are built here, once, and the environment dbt, Feast, BentoML and Dagster read for
themselves is written here, before the layers are imported (loading the dbt project parses it with
dbt, whose profile reads the state directory from the environment).
"""

import dagster as dg

from wealthpulse.settings import Settings, export_tool_environment


def build_definitions(settings: Settings) -> dg.Definitions:
    export_tool_environment(settings)
    from orchestration.defs.automation import definitions as automation
    from orchestration.defs.features import assets as features
    from orchestration.defs.landing import assets as landing
    from orchestration.defs.models import assets as models
    from orchestration.defs.serving import assets as serving
    from orchestration.defs.serving import scores, segments
    from orchestration.defs.warehouse import assets as warehouse
    from orchestration.resources import build_resources

    return dg.Definitions.merge(
        landing.defs,
        warehouse.defs,
        features.defs,
        models.defs,
        scores.defs,
        serving.defs,
        segments.defs,
        automation.defs,
        dg.Definitions(resources=build_resources(settings)),
    )


# Only one Definitions may live at module scope: the layers are imported as modules.
defs = build_definitions(Settings.from_env())
