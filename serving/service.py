"""The BentoML service: one Feast online read per request, ONNX Runtime for the models.

Every endpoint but the health probes, metrics and the API docs needs ``Authorization: Bearer <key>``
(``serving.auth``); invalid input is a 422 naming the field (``serving.errors``); the OpenAPI
document at ``/docs.json`` says both (``serving.openapi``).
"""

from __future__ import annotations

import time

import bentoml

from features.store import open_store
from models.onnx_export import onnx_session
from models.registry import ONNX_FILE
from serving.auth import BearerAuth
from serving.errors import UnprocessableInput, quiet_validation_errors
from serving.openapi import OpenAPIDocument
from serving.schemas import ScoreRequest, ScoreResponse
from serving.scoring import feature_refs, request_fields, score_clients, warm_up
from wealthpulse.settings import load_settings

load_settings()

# Request-time inputs of on-demand features, filled by the service for every row.
REQUEST_VALUES = {"request_epoch": time.time}


@bentoml.service(name="wealthpulse", traffic={"timeout": 30})
class WealthPulse:
    """Churn scores for brokerage clients from their online features."""

    # Declared at class level so `bentoml build` packs the champion with the service.
    churn_model = bentoml.models.BentoModel("churn:latest")

    def __init__(self) -> None:
        quiet_validation_errors()
        self.store = open_store()
        metadata = self.churn_model.info.metadata
        self.churn_features: list[str] = list(metadata["feature_names"])
        services = [self.store.get_feature_service(metadata["feature_service"])]
        # The features of every model's service, read together: one online read per request.
        self.feature_refs = feature_refs(services)
        self.request_fields = request_fields(self.store, services)
        unknown = sorted(set(self.request_fields) - set(REQUEST_VALUES))
        if unknown:
            raise RuntimeError(f"feature services need request fields the service cannot fill: {unknown}")
        with open(self.churn_model.path_of(ONNX_FILE), "rb") as handle:
            self.churn_session = onnx_session(handle.read())
        warm_up(self.churn_session, len(self.churn_features))
        self.model_versions = {"churn": str(self.churn_model.tag)}

    def online_features(self, client_ids: list[str]) -> dict[str, list]:
        extra = {name: REQUEST_VALUES[name]() for name in self.request_fields}
        return self.store.get_online_features(
            features=self.feature_refs,
            entity_rows=[{"client_id": client_id, **extra} for client_id in client_ids],
        ).to_dict(include_event_timestamps=True)

    @bentoml.api(route="/score", input_spec=ScoreRequest)
    def score(self, client_ids: list[str]) -> ScoreResponse:
        """Churn probability of each client in the next 60 days.

        One entry per requested id, in request order. An id unknown to the online store gets an
        `error` and no probability; the others are scored. Needs `Authorization: Bearer <key>`.
        """
        online = self.online_features(client_ids)
        return ScoreResponse(
            scores=score_clients(online, client_ids, self.churn_features, self.churn_session),
            model_versions=self.model_versions,
        )


# Added innermost last: errors are reshaped inside authentication, the docs outside both.
WealthPulse.add_asgi_middleware(OpenAPIDocument)
WealthPulse.add_asgi_middleware(BearerAuth)
WealthPulse.add_asgi_middleware(UnprocessableInput)
