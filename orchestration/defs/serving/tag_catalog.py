"""The tag names the dbt tag catalog declares: the tags a segment may use."""

from __future__ import annotations

from pathlib import Path

import yaml

TAG_CATALOG = Path(__file__).resolve().parents[3] / "dbt_project" / "models" / "marts" / "tags" / "_tag_catalog.yml"
TAGS_MODEL = "mart_client_tags_long"


def catalog_tags(path: Path = TAG_CATALOG) -> list[str]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    for model in document.get("models", []):
        if model.get("name") == TAGS_MODEL:
            return [tag["name"] for tag in model.get("config", {}).get("meta", {}).get("tag_catalog", [])]
    raise LookupError(f"{path.name} declares no {TAGS_MODEL} with a meta.tag_catalog")
