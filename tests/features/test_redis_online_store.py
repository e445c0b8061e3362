"""The Redis online store, against a real redis-server started for the test.

Install it with `apt-get install redis-server` (.ci/run does); without it the tests that need the server
skip, saying so, and fail under CI. The test that needs no server always runs.
"""

import os
import socket
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from features.store import apply_repo, open_store
from tests.features.online_parity import assert_reader_matches_feast
from tests.marts import write_marts


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory, require_program):
    redis = require_program("redis-server", "redis-server")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    folder = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [redis, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield f"127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def store(redis_url, monkeypatch_module):
    monkeypatch_module.setenv("WEALTHPULSE_REDIS_URL", redis_url)
    as_of = [datetime(2025, 7, 1), datetime(2025, 7, 8)]
    write_marts(
        Path(os.environ["WEALTHPULSE_HOME"]),
        ["C0000001", "C0000002"],
        as_of,
        lambda c, i, f: as_of[i].replace(tzinfo=UTC).timestamp() if f.endswith("epoch") else 10 * i + int(c[-1]),
    )
    feature_store = open_store(online_store="redis")
    apply_repo(feature_store)
    feature_store.materialize(start_date=as_of[0], end_date=as_of[-1] + timedelta(days=1))
    return feature_store


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_materialized_rows_are_read_from_redis(store):
    online = store.get_online_features(
        features=["client_assets:aum", "client_profile:tenure_days"],
        entity_rows=[{"client_id": "C0000001"}, {"client_id": "C0000002"}, {"client_id": "C9999999"}],
    ).to_dict()
    assert online["aum"] == [11.0, 12.0, None]
    assert online["tenure_days"] == [11.0, 12.0, None]


def test_push_is_visible_in_redis(store):
    now = datetime.now(tz=UTC)
    store.push(
        "live_app_events",
        pd.DataFrame(
            {
                "client_id": ["C0000001"],
                "event_ts": [now],
                "live_logins_today": [7.0],
                "live_product_views_today": [0.0],
                "live_searches_today": [1.0],
                "live_last_login_epoch": [now.timestamp()],
            }
        ),
    )
    online = store.get_online_features(
        features=["client_live_events:live_logins_today"], entity_rows=[{"client_id": "C0000001"}]
    ).to_dict()
    assert online["live_logins_today"] == [7.0]


def test_redis_needs_its_url(monkeypatch):
    monkeypatch.delenv("WEALTHPULSE_REDIS_URL", raising=False)
    with pytest.raises(ValueError, match="WEALTHPULSE_REDIS_URL"):
        open_store(online_store="redis")


def test_the_service_reader_reads_redis_like_feast(store):
    reader = assert_reader_matches_feast(store, ["C0000002", "C9999999"], datetime.now(tz=UTC).timestamp())
    assert reader._packed is None
