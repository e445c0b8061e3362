"""Open the feature store and apply the repo with `feast apply` semantics."""

from __future__ import annotations

from pathlib import Path

from feast import FeatureStore, Project
from feast.repo_contents import RepoContents
from feast.repo_operations import apply_total_with_repo_instance

from features import repo

REPO_DIR = Path(__file__).resolve().parent


def open_store(repo_dir: Path = REPO_DIR) -> FeatureStore:
    return FeatureStore(repo_path=str(repo_dir))


def repo_contents(project: str) -> RepoContents:
    return RepoContents(
        projects=[Project(name=project)],
        data_sources=[repo.client_features_source],
        entities=[repo.client],
        feature_views=[repo.client_activity],
        on_demand_feature_views=[],
        stream_feature_views=[],
        label_views=[],
        feature_services=[repo.churn_v1],
        permissions=[],
    )


def apply_repo(store: FeatureStore) -> RepoContents:
    """Register every object and delete the ones no longer declared, as `feast apply` does."""
    contents = repo_contents(store.project)
    apply_total_with_repo_instance(store, store.project, store.registry, contents, skip_source_validation=False)
    return contents


def service_features(store: FeatureStore, service_name: str) -> list[str]:
    """Feature names of a feature service, in the order the service declares them."""
    service = store.get_feature_service(service_name)
    return [field.name for projection in service.feature_view_projections for field in projection.features]
