"""The BentoML service: one Feast online read per request, ONNX Runtime for the models."""

from __future__ import annotations

import bentoml

from features.store import open_store
from models.onnx_export import onnx_session
from models.registry import ONNX_FILE
from serving.errors import UnprocessableInput
from serving.schemas import ScoreRequest, ScoreResponse
from serving.scoring import score_clients
from wealthpulse.settings import load_settings

load_settings()


@bentoml.service(name="wealthpulse", traffic={"timeout": 30})
class WealthPulse:
    # Declared at class level so `bentoml build` packs the champion with the service.
    churn_model = bentoml.models.BentoModel("churn:latest")

    def __init__(self) -> None:
        self.store = open_store()
        metadata = self.churn_model.info.metadata
        self.churn_features: list[str] = list(metadata["feature_names"])
        self.churn_service = self.store.get_feature_service(metadata["feature_service"])
        with open(self.churn_model.path_of(ONNX_FILE), "rb") as handle:
            self.churn_session = onnx_session(handle.read())
        self.model_versions = {"churn": str(self.churn_model.tag)}

    @bentoml.api(route="/score", input_spec=ScoreRequest)
    def score(self, client_ids: list[str]) -> ScoreResponse:
        """Churn probability of each client; unknown ids get an error entry, the rest are scored."""
        online = self.store.get_online_features(
            features=self.churn_service,
            entity_rows=[{"client_id": client_id} for client_id in client_ids],
        ).to_dict(include_event_timestamps=True)
        return ScoreResponse(
            scores=score_clients(online, client_ids, self.churn_features, self.churn_session),
            model_versions=self.model_versions,
        )


WealthPulse.add_asgi_middleware(UnprocessableInput)
