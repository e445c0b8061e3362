"""Request and response bodies of the scoring API; field names are part of the contract."""

from __future__ import annotations

from pydantic import BaseModel, Field

MAX_CLIENT_IDS = 1000


class ScoreRequest(BaseModel):
    client_ids: list[str] = Field(
        ...,
        min_length=1,
        max_length=MAX_CLIENT_IDS,
        description=f"Clients to score, 1 to {MAX_CLIENT_IDS} ids.",
        examples=[["C0000001", "C0000002"]],
    )


class ClientScore(BaseModel):
    client_id: str
    churn_probability: float | None = Field(None, description="Probability of churn in the next 60 days.")
    feature_timestamp: str | None = Field(None, description="As-of time of the features used.")
    error: str | None = Field(None, description="Why this client could not be scored.")


class ScoreResponse(BaseModel):
    scores: list[ClientScore]
    model_versions: dict[str, str]
