"""The BentoML service: one Feast online read per request, ONNX Runtime for every champion model.

Every endpoint but the health probes, metrics and the API docs needs ``Authorization: Bearer <key>``
(``serving.auth``); invalid input is a 422 naming the field (``serving.errors``); the OpenAPI
document at ``/docs.json`` says both (``serving.openapi``).
"""

from __future__ import annotations

import asyncio
import gc
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import bentoml
import numpy as np
import pandas as pd
from pydantic_core import to_json
from starlette.responses import Response

from features.online import OnlineReader, OnlineRows
from features.store import open_store
from serving.auth import BearerAuth
from serving.errors import UnprocessableInput, quiet_validation_errors
from serving.leads_app import leads_app
from serving.live_events import COUNTERS, fold_events
from serving.mounts import MountedRoots
from serving.next_best_action import Product, next_best_actions, offered_product
from serving.openapi import OpenAPIDocument
from serving.schemas import (
    Action,
    EventsRequest,
    EventsResponse,
    LiveCounters,
    ModelsResponse,
    NextBestActionRequest,
    NextBestActionResponse,
    OfferedProduct,
    ScoreRequest,
    ScoreResponse,
)
from serving.scoring import UNKNOWN_CLIENT, Scorer
from serving.segments_app import segments_app
from serving.served_models import SERVED, ServedModel, champion_tags, load_served
from serving.suitability import assess
from wealthpulse.settings import Settings

# The service's entry: BentoML imports this module and builds the class with no arguments, and the
# class-level declarations below (worker count, models) exist before any instance does. The settings
# are built here once and handed to the constructor's default.
SETTINGS = Settings.from_env()
# The champion of every served model, from the model store this process sees (the local store, or a
# Bento's own). A missing one stops the start-up here, naming it: a service that silently scored
# without intent or tiering would answer with gaps nobody asked for.
CHAMPIONS = champion_tags(SERVED)


def declare_models(tags: dict[str, str]):
    """Declare each model at class level as BentoML expects (`bentoml build` packs exactly these
    into the Bento, and a Bento serves them from its own model store)."""

    def decorate(cls):
        for name, tag in tags.items():
            setattr(cls, f"{name}_model", bentoml.models.BentoModel(tag))
        return cls

    return decorate


# Request-time inputs of on-demand features, filled by the service for every row.
REQUEST_VALUES = {"request_epoch": time.time}
LIVE_VIEW = "client_live_events"
# A request of at least this many ids is scored in SCORE_THREADS pieces side by side (two pieces of
# 16 rows or more keep the reason kernel's tree-by-tree path).
PARALLEL_MIN_IDS = 32
SCORE_THREADS = 2
# A request of fewer ids is scored on the event loop itself: about a millisecond of work, where a
# hand-off to a worker thread and back cost 0.5 ms more per request (2.83 ms against 2.33 for one
# client). Larger requests run in a thread, so the loop keeps answering probes meanwhile.
INLINE_MAX_IDS = 8


def load_catalog(path) -> list[Product]:
    """The product shelf the warehouse exports; empty (and no actions) before the first run."""
    if not path.exists():
        return []
    frame = pd.read_parquet(path)
    return [
        Product(r.product_id, r.product_name, r.product_type, r.risk_rating, r.need)
        for r in frame.itertuples()
        if r.need is not None
    ]


# One worker process keeps up with 300 single-client scores a second, but a large request (hundreds
# of ids) keeps it busy for a few hundred milliseconds; a second keeps answering meanwhile.
@bentoml.service(name="wealthpulse", traffic={"timeout": 30}, workers=SETTINGS.api_workers)
@bentoml.asgi_app(leads_app, path="/leads")
@bentoml.asgi_app(segments_app, path="/segments")
@declare_models(CHAMPIONS)
class WealthPulse:
    """Scores, next-best-actions, live events and leads for brokerage clients."""

    def __init__(self, settings: Settings | None = None) -> None:
        quiet_validation_errors()
        self.settings = settings or SETTINGS
        leads_app.state.settings = segments_app.state.settings = self.settings
        self.store = open_store(self.settings)
        self.models: dict[str, ServedModel] = {
            name: load_served(name, str(getattr(self, f"{name}_model").tag)) for name in SERVED
        }
        services = {self.store.get_feature_service(m.feature_service).name: None for m in self.models.values()}
        services = [self.store.get_feature_service(name) for name in services]
        # The features of every model's service, read together: one online read per request.
        self.reader = OnlineReader(self.store, services)
        unknown = sorted(set(self.reader.request_fields) - set(REQUEST_VALUES))
        if unknown:
            raise RuntimeError(f"feature services need request fields the service cannot fill: {unknown}")
        self.catalog = load_catalog(self.settings.marts_dir / "products.parquet")
        self.model_versions = {name: model.tag for name, model in self.models.items()}
        self.scorer = Scorer(self.models)
        # The reader's columns in the scorer's order; -1 for a name no service reads (NaN).
        self.score_columns = np.array(
            [self.reader.feature_names.index(n) if n in self.reader.feature_names else -1 for n in self.scorer.inputs],
            dtype=np.int64,
        )
        self.unread_columns = self.score_columns < 0
        self.pool = ThreadPoolExecutor(max_workers=SCORE_THREADS, thread_name_prefix="score")
        self.served_models = ModelsResponse(
            model_versions=self.model_versions,
            feature_services={name: model.feature_service for name, model in self.models.items()},
        )
        # Everything loaded so far lives as long as the process: move it out of the collector's
        # reach. Otherwise each full collection walks ~300,000 objects, a 150 ms pause measured,
        # which lands on whichever request triggers it.
        gc.collect()
        gc.freeze()

    def request_values(self) -> dict[str, float]:
        return {name: REQUEST_VALUES[name]() for name in self.reader.request_fields}

    def online_features(self, client_ids: list[str]) -> OnlineRows:
        return self.reader.read(client_ids, self.request_values())

    def score_entries(self, client_ids: list[str], request: dict[str, float], explain: bool) -> list[dict]:
        """`ClientScore`-shaped entries in request order, from one online read.

        Many ids are scored in one piece per thread after the one read: ONNX Runtime and the reason
        kernels release the interpreter lock (1,000 ids without reasons measured 83 ms against 106
        unsplit). Below `PARALLEL_MIN_IDS` handing work to a thread costs more than it saves; so
        does explaining one client's three models on two threads (2.81 ms against 3.02 over HTTP).
        """
        rows = self.reader.read_matrix(client_ids, request)
        matrix = rows.matrix[:, self.score_columns]
        matrix[:, self.unread_columns] = np.nan
        if len(client_ids) < PARALLEL_MIN_IDS:
            return self.scorer.score_entries(matrix, rows.stored_at, client_ids, explain=explain)
        size = -(-len(client_ids) // SCORE_THREADS)
        return self.scorer.score_in_pieces(self.pool, matrix, rows.stored_at, client_ids, size, explain)

    @bentoml.api(route="/score", input_spec=ScoreRequest)
    async def score(self, client_ids: list[str], reasons: bool = True) -> ScoreResponse:
        """Churn in 60 days, each need in 30 days and the value tier in 90 days, with reasons.

        One entry per requested id, in request order. An id unknown to the online store gets an
        `error` and no scores; the others are scored. `"reasons": false` skips the reason codes
        (the scores are the same). Needs `Authorization: Bearer <key>`.
        """
        request = self.request_values()
        if len(client_ids) < INLINE_MAX_IDS:
            entries = self.score_entries(client_ids, request, reasons)
        else:
            loop = asyncio.get_running_loop()
            entries = await loop.run_in_executor(None, self.score_entries, client_ids, request, reasons)
        # Entries are plain dicts in ClientScore's shape, serialized as they are: validating
        # thousands of nested models per request would cost more than scoring them.
        body = to_json({"scores": entries, "model_versions": self.model_versions})
        return Response(body, media_type="application/json")

    @bentoml.api(route="/models")
    async def list_models(self) -> ModelsResponse:
        """The champion models being served and the feature services they read; answers without scoring."""
        # Async: nothing here blocks, so no hand-off to a worker thread.
        return self.served_models

    @bentoml.api(route="/next_best_action", input_spec=NextBestActionRequest)
    def next_best_action(self, client_id: str, k: int = 3) -> NextBestActionResponse:
        """The client's most likely needs with suitable products, never above the client's risk tolerance.

        A missing or expired risk assessment allows R1 products only and sets `needs_reassessment`.
        """
        rows = self.online_features([client_id])
        online = rows.values
        scored = self.scorer.score(online, rows.stored_at, [client_id])[0]
        if scored.error:
            return NextBestActionResponse(client_id=client_id, error=scored.error, model_versions=self.model_versions)
        suitability = assess(online["risk_level_code"][0], online["has_valid_assessment"][0])
        actions = next_best_actions(scored.intent or {}, suitability, scored.tier_now, self.catalog, k=k)
        return NextBestActionResponse(
            client_id=client_id,
            allowed_rating=suitability.allowed_label,
            needs_reassessment=suitability.needs_reassessment,
            actions=[
                Action(
                    need=a.need,
                    score=a.score,
                    products=[OfferedProduct(**offered_product(p)) for p in a.products],
                    channel=a.channel,
                    reasons=[*a.reasons, *(r.label for r in scored.reasons.get("intent", []))],
                )
                for a in actions
            ],
            model_versions=self.model_versions,
        )

    @bentoml.api(route="/events", input_spec=EventsRequest)
    def events(self, events: list) -> EventsResponse:
        """Push live app events to the online store: the client's next score already sees them."""
        now = datetime.now(tz=UTC)
        clients = list(dict.fromkeys(e.client_id for e in events))
        stored = self.store.get_online_features(
            features=[f"{LIVE_VIEW}:{name}" for name in (*COUNTERS, "live_last_login_epoch")],
            entity_rows=[{"client_id": c} for c in clients],
        ).to_dict(include_event_timestamps=True)
        current = {
            c: {name: stored[name][i] for name in (*COUNTERS, "live_last_login_epoch")} for i, c in enumerate(clients)
        }
        stamps = stored.get(f"{COUNTERS[0]}__ts") or [None] * len(clients)
        days = {
            c: datetime.fromtimestamp(int(s), tz=UTC).date() if s else None
            for c, s in zip(clients, stamps, strict=True)
        }
        rows = fold_events(current, [(e.client_id, e.event_type) for e in events], now, days)
        frame = pd.DataFrame([{"client_id": c, "event_ts": now, **row} for c, row in rows.items()])
        self.store.push("live_app_events", frame)
        return EventsResponse(
            accepted=len(events),
            counters=[LiveCounters(client_id=c, **{k: row[k] for k in COUNTERS}) for c, row in rows.items()],
        )


# Added innermost last: errors are reshaped inside authentication, the docs outside both.
WealthPulse.add_asgi_middleware(OpenAPIDocument)
WealthPulse.add_asgi_middleware(BearerAuth)
WealthPulse.add_asgi_middleware(UnprocessableInput)
WealthPulse.add_asgi_middleware(MountedRoots)

__all__ = ["WealthPulse", "UNKNOWN_CLIENT"]
