"""Feast benchmarks on the materialized state: online reads, push-to-visible, materialize throughput."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from features.store import open_store
from features.views import BATCH_VIEWS


def _ms(samples: list[float]) -> dict[str, float]:
    return {"p50_ms": float(np.percentile(samples, 50)), "p99_ms": float(np.percentile(samples, 99)), "n": len(samples)}


def online_reads(client_ids: list[str], batch: int, repeats: int) -> dict[str, float]:
    store = open_store()
    service = store.get_feature_service("churn_v1")
    now = time.time()
    samples = []
    for i in range(repeats):
        rows = [{"client_id": c, "request_epoch": now} for c in client_ids[i % 100 : i % 100 + batch]]
        started = time.perf_counter()
        store.get_online_features(features=service, entity_rows=rows).to_dict()
        samples.append((time.perf_counter() - started) * 1000)
    return _ms(samples)


def service_reads(client_ids: list[str], batch: int, repeats: int) -> dict[str, float]:
    """The read `/score` makes: every feature of the three services (the service's online reader)."""
    from features.online import OnlineReader

    store = open_store()
    reader = OnlineReader(store, [store.get_feature_service(n) for n in ("churn_v1", "intent_v1", "tiering_v1")])
    samples = []
    for i in range(repeats):
        ids = client_ids[i % 100 : i % 100 + batch]
        started = time.perf_counter()
        reader.read(ids, {"request_epoch": time.time()})
        samples.append((time.perf_counter() - started) * 1000)
    return _ms(samples)


def push_to_visible(client_ids: list[str], repeats: int) -> dict[str, float]:
    """Time from push() to the pushed value being returned by an online read."""
    store = open_store()
    samples = []
    for i in range(repeats):
        client = client_ids[i % len(client_ids)]
        marker = float(1000 + i)
        now = datetime.now(tz=UTC)
        row = pd.DataFrame(
            {
                "client_id": [client],
                "event_ts": [now],
                "live_logins_today": [marker],
                "live_product_views_today": [0.0],
                "live_searches_today": [0.0],
                "live_last_login_epoch": [now.timestamp()],
            }
        )
        started = time.perf_counter()
        store.push("live_app_events", row)
        while True:
            got = store.get_online_features(
                features=["client_live_events:live_logins_today"], entity_rows=[{"client_id": client}]
            ).to_dict()["live_logins_today"][0]
            if got == marker:
                break
        samples.append((time.perf_counter() - started) * 1000)
    return _ms(samples)


def materialize_throughput(latest: pd.Timestamp, clients: int) -> dict[str, float]:
    """Rows per second writing every batch view's latest day to the online store."""
    store = open_store()
    end = latest.tz_localize("UTC") + timedelta(days=1)
    started = time.perf_counter()
    for view in BATCH_VIEWS:
        store.materialize(
            start_date=(end - timedelta(days=1)).to_pydatetime(),
            end_date=end.to_pydatetime(),
            feature_views=[view.name],
        )
    seconds = time.perf_counter() - started
    rows = clients * len(BATCH_VIEWS)
    return {"rows": rows, "seconds": seconds, "rows_per_s": rows / seconds}
