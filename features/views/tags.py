from pathlib import Path

import yaml

from features.sources import client_tags_source
from features.views._build import numeric_view

# The tag catalog is the contract: every tag marked `feature: true` is a column tag_<name> of
# mart_client_tags_wide, so a tag added there becomes a feature without editing this file.
TAG_CATALOG = Path(__file__).resolve().parents[2] / "dbt_project" / "models" / "marts" / "tags" / "_tag_catalog.yml"


def feature_tags(catalog_path: Path = TAG_CATALOG) -> list[str]:
    document = yaml.safe_load(catalog_path.read_text())
    catalog = next(m for m in document["models"] if m["name"] == "mart_client_tags_long")["config"]["meta"]
    return [f"tag_{tag['name']}" for tag in catalog["tag_catalog"] if tag.get("feature")]


client_tags = numeric_view(
    "client_tags",
    client_tags_source,
    feature_tags(),
    "Catalog tags used as model features (0/1), from the YAML tag catalog.",
    "crm",
)
