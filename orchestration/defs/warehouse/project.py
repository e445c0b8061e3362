"""The one dbt project, and the manifest it needs before Dagster can load it."""

from __future__ import annotations

from pathlib import Path

from dagster_dbt import DbtProject

from wealthpulse.settings import PROJECT_ROOT

# dbt's profile reads the state directory from WEALTHPULSE_HOME: the code location's entry
# (orchestration/definitions.py) exports it before this module parses the project.
dbt_project = DbtProject(project_dir=PROJECT_ROOT / "dbt_project")
# What dbt parses into the manifest: a newer file here means the manifest no longer describes the project.
PARSED = ("dbt_project.yml", "models", "macros", "tests")


def prepare_manifest() -> None:
    """Parse the dbt project into target/manifest.json (`dagster dev` does this by itself)."""
    dbt_project.preparer.prepare(dbt_project)


def manifest_is_stale(project_dir: Path = dbt_project.project_dir, manifest: Path = dbt_project.manifest_path) -> bool:
    """True when there is no manifest, or a file dbt parses changed after it was written."""
    if not manifest.exists():
        return True
    written = manifest.stat().st_mtime
    files = [path for name in PARSED for path in [project_dir / name, *(project_dir / name).rglob("*")]]
    return any(path.is_file() and path.stat().st_mtime > written for path in files)


# A fresh clone has no manifest yet, and a model added or edited since the last parse would be
# missing from the asset graph: parse then, rather than load a graph of another project.
if manifest_is_stale():
    prepare_manifest()
else:
    dbt_project.prepare_if_dev()
