"""Request and response bodies of the scoring API; field names are part of the contract."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

MAX_CLIENT_IDS = 1000
MAX_CLIENT_ID_LENGTH = 64
MAX_ACTIONS = 10
CLIENT_ID_PATTERN = r"^[A-Za-z0-9_.-]+$"

ClientId = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_CLIENT_ID_LENGTH, pattern=CLIENT_ID_PATTERN),
    Field(
        description=(
            f"A client account id (the Feast entity key `client_id`): 1 to {MAX_CLIENT_ID_LENGTH} letters, "
            "digits, '_', '.' or '-'."
        ),
        examples=["C0000001"],
    ),
]


class ScoreRequest(BaseModel):
    """Clients to score with every model the service serves."""

    model_config = ConfigDict(extra="forbid")

    client_ids: list[ClientId] = Field(
        ...,
        min_length=1,
        max_length=MAX_CLIENT_IDS,
        description=f"Clients to score, 1 to {MAX_CLIENT_IDS} ids; a repeated id gets one entry per occurrence.",
        examples=[["C0000001", "C0000002"]],
    )
    reasons: bool = Field(
        True,
        description="Compute each score's top reasons (exact TreeSHAP). False leaves `reasons` empty and "
        "answers faster: explaining costs more than scoring, most of all for many ids.",
    )


class Reason(BaseModel):
    """A feature that pushed a score, from exact TreeSHAP contributions."""

    feature: str = Field(..., description="Feature name in the feature service.", examples=["logins_30d"])
    label: str = Field(..., description="The feature in words.", examples=["Logins in the last 30 days"])
    contribution: float = Field(..., description="Contribution to the model's raw score (log-odds).")
    direction: str = Field(..., description="raises or lowers the score.", examples=["lowers"])


class ClientScore(BaseModel):
    """One client's scores, or why the client could not be scored."""

    client_id: str = Field(..., description="The id as sent.")
    churn_probability: float | None = Field(
        None, description="Probability that the client goes dormant or moves most assets out in the next 60 days."
    )
    intent: dict[str, float] | None = Field(
        None,
        description="Probability of each need in the next 30 days: equity_fund, fixed_income, margin_financing, "
        "options, advisory, transfer_in.",
    )
    tier_now: str | None = Field(None, description="Value tier on the feature date, T1 to T5.", examples=["T3"])
    tier_90d: str | None = Field(None, description="Most likely value tier in 90 days, T1 to T5.", examples=["T4"])
    tier_probabilities: dict[str, float] | None = Field(None, description="Probability of each tier in 90 days.")
    reasons: dict[str, list[Reason]] = Field(
        default_factory=dict,
        description="Top features behind each score: keys churn, tiering (the predicted tier) and intent "
        "(the most likely need); empty when the request asked for no reasons.",
    )
    feature_timestamp: str | None = Field(None, description="As-of time (ISO 8601, UTC) of the features used.")
    error: str | None = Field(None, description="Why this client could not be scored; null when scored.")


class ScoreResponse(BaseModel):
    """Scores in the order of the request's ids, with the versions of the models that made them."""

    scores: list[ClientScore] = Field(..., description="One entry per requested id, in request order.")
    model_versions: dict[str, str] = Field(
        ..., description="Model name to the model store tag that scored, e.g. {'churn': 'churn:3f2a...'}."
    )


class ModelsResponse(BaseModel):
    """What the service scores with, without scoring anything."""

    model_versions: dict[str, str] = Field(..., description="Model name to the model store tag of its champion.")
    feature_services: dict[str, str] = Field(..., description="Model name to the Feast feature service it reads.")


class NextBestActionRequest(BaseModel):
    """One client's next-best-actions."""

    model_config = ConfigDict(extra="forbid")

    client_id: ClientId
    k: int = Field(3, ge=1, le=MAX_ACTIONS, description=f"How many actions to return, 1 to {MAX_ACTIONS}.")


class OfferedProduct(BaseModel):
    """A product the client may be offered: never rated above the client's allowed rating."""

    product_id: str = Field(..., description="Product id in the firm's catalog.")
    product_name: str = Field(..., description="Product name as the catalog shows it.")
    risk_rating: str = Field(..., description="Product risk rating, R1 (lowest) to R5.", examples=["R2"])


class Action(BaseModel):
    """A need of the client, the suitable products that serve it, and how to reach the client."""

    need: str = Field(
        ...,
        description="Need code: equity_fund, fixed_income, margin_financing, options, advisory or transfer_in.",
        examples=["fixed_income"],
    )
    score: float = Field(..., description="Probability of the need in the next 30 days (the ranking key).")
    products: list[OfferedProduct] = Field(..., description="Suitable products for the need, at least one.")
    reasons: list[str] = Field(default_factory=list, description="Why this action: reason codes, strongest first.")
    channel: str = Field(
        ..., description="Channel fitting the client's value tier: advisor_call, advisor_chat or app_push."
    )


class NextBestActionResponse(BaseModel):
    """Ranked actions for one client, after the suitability guardrail."""

    client_id: str = Field(..., description="The id as sent.")
    allowed_rating: str | None = Field(
        None, description="Highest product risk rating the client may be offered (R1 to R5)."
    )
    needs_reassessment: bool = Field(
        False, description="True when the risk assessment is missing or expired: only R1 products are offered."
    )
    actions: list[Action] = Field(default_factory=list, description="At most k actions, highest score first.")
    error: str | None = Field(None, description="Why no actions could be computed; null otherwise.")
    model_versions: dict[str, str] = Field(default_factory=dict, description="Model name to model store tag.")


LIVE_EVENT_TYPES = ("login", "product_page_view", "search")


class LiveEvent(BaseModel):
    """An app event as it happens; it reaches the online store and the client's next score."""

    model_config = ConfigDict(extra="forbid")
    client_id: ClientId
    event_type: Literal["login", "product_page_view", "search"] = Field(
        ..., description="What the client did in the app.", examples=["login"]
    )


class EventsRequest(BaseModel):
    """Live app events, 1 to 1,000 per call."""

    model_config = ConfigDict(extra="forbid")
    events: list[LiveEvent] = Field(..., min_length=1, max_length=MAX_CLIENT_IDS)


class LiveCounters(BaseModel):
    client_id: str
    live_logins_today: float
    live_product_views_today: float
    live_searches_today: float


class EventsResponse(BaseModel):
    """Today's counters of each client after the events, as now served online."""

    accepted: int = Field(..., description="Events pushed to the online store.")
    counters: list[LiveCounters]


class Lead(BaseModel):
    """One lead of the daily list: a client, a need likely enough to call about, what to offer."""

    lead_id: str = Field(..., description="Stable id of the lead from the day it opened until it closes.")
    lead_date: str = Field(..., description="The list's day (YYYY-MM-DD).")
    opened_on: str = Field(..., description="The day the lead was first listed; earlier than lead_date if carried.")
    client_id: str = Field(..., description="The client's account id.")
    need: str = Field(..., description="Need code, e.g. fixed_income.", examples=["fixed_income"])
    probability: float = Field(..., description="Probability of the need in the next 30 days (the day's score).")
    expected_value: float = Field(..., description="probability x the need's value for the client's tier (yuan).")
    expected_conversion: float = Field(
        ..., description="Share of past campaign contacts on this need, above its threshold, that converted."
    )
    value_tier: str = Field(..., description="The client's value tier, T1 to T5.", examples=["T3"])
    assignment: str = Field(
        ..., description="advisor (within the day's capacity), deferred (over it) or pool (no advisor)."
    )
    priority: int = Field(..., description="Rank among the advisor's (or the pool's) leads of the day, 1 first.")
    expires_on: str = Field(..., description="The last day the lead is open unless worked.")
    product_ids: list[str] = Field(..., description="Suitable products to offer, lowest risk first.")
    needs_reassessment: bool = Field(..., description="Risk assessment missing or expired: R1 products only.")
    reasons: list[str] = Field(..., description="Why this lead, in words.")


class LeadsPage(BaseModel):
    """A page of one advisor's (or the pool's) leads of a day, by priority."""

    advisor_id: str | None = Field(None, description="The advisor asked for; null for the pool.")
    date: str = Field(..., description="The list's day (YYYY-MM-DD).")
    assignment: str = Field(..., description="advisor, deferred or pool: which leads of the day these are.")
    total: int = Field(..., description="How many such leads the day holds, over all pages.")
    offset: int = Field(..., description="Leads skipped before this page.")
    limit: int = Field(..., description="Most leads on one page.")
    next_offset: int | None = Field(None, description="The offset of the next page; null on the last page.")
    leads: list[Lead]
