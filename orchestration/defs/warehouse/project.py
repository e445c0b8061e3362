"""The one dbt project, and the manifest it needs before Dagster can load it."""

from __future__ import annotations

from dagster_dbt import DbtProject

from wealthpulse.settings import PROJECT_ROOT, load_settings

load_settings()  # dbt's profile reads WEALTHPULSE_HOME

dbt_project = DbtProject(project_dir=PROJECT_ROOT / "dbt_project")


def prepare_manifest() -> None:
    """Parse the dbt project into target/manifest.json (`dagster dev` does this by itself)."""
    dbt_project.preparer.prepare(dbt_project)


# A fresh clone has no manifest yet: build it once rather than fail to load.
if dbt_project.manifest_path.exists():
    dbt_project.prepare_if_dev()
else:
    prepare_manifest()
