"""Dagster loads the dbt project from its manifest: one older than a model would hide that model."""

from __future__ import annotations

import os
from pathlib import Path

from orchestration.defs.warehouse.project import manifest_is_stale


def _project(root: Path) -> tuple[Path, Path]:
    (root / "models" / "marts").mkdir(parents=True)
    (root / "macros").mkdir()
    (root / "dbt_project.yml").write_text("name: p\n")
    (root / "models" / "marts" / "a.sql").write_text("select 1 as a\n")
    manifest = root / "target" / "manifest.json"
    manifest.parent.mkdir()
    manifest.write_text("{}")
    return root, manifest


def _age(path: Path, seconds: float) -> None:
    stamp = path.stat().st_mtime - seconds
    os.utime(path, (stamp, stamp))


def test_no_manifest_is_stale(tmp_path):
    project, manifest = _project(tmp_path)
    manifest.unlink()
    assert manifest_is_stale(project, manifest)


def test_a_manifest_newer_than_every_parsed_file_is_current(tmp_path):
    project, manifest = _project(tmp_path)
    for path in (project / "dbt_project.yml", project / "models" / "marts" / "a.sql"):
        _age(path, 60)
    assert not manifest_is_stale(project, manifest)
    (project / "target" / "run_results.json").write_text("{}")  # dbt's own output is not parsed
    (project / "notes.txt").write_text("")
    assert not manifest_is_stale(project, manifest)


def test_a_model_added_after_the_manifest_makes_it_stale(tmp_path):
    project, manifest = _project(tmp_path)
    for path in (project / "dbt_project.yml", project / "models" / "marts" / "a.sql"):
        _age(path, 60)
    _age(manifest, 30)
    (project / "models" / "marts" / "b.sql").write_text("select 2 as b\n")
    assert manifest_is_stale(project, manifest)


def test_an_edited_project_file_makes_it_stale(tmp_path):
    project, manifest = _project(tmp_path)
    _age(manifest, 30)
    assert manifest_is_stale(project, manifest)
