"""The real server: `wealthpulse serve` (which runs `bentoml serve`) on a free port, over HTTP."""

from __future__ import annotations

import os

import httpx
import pytest

from tests.serving.http_server import start, stop

pytestmark = pytest.mark.http


@pytest.fixture(scope="module")
def server(serving_state):
    """The service with the key from the environment (set by the serving_state fixture)."""
    process, url = start(dict(os.environ))
    try:
        yield url
    finally:
        stop(process)


def test_score_over_http(server, serving_state):
    url = server
    auth = {"Authorization": f"Bearer {serving_state.api_key}"}
    known = serving_state.known_clients[:2]
    response = httpx.post(f"{url}/score", json={"client_ids": [*known, "C9999999"]}, headers=auth, timeout=30)
    assert response.status_code == 200, response.text
    scores = response.json()["scores"]
    assert [s["error"] is None for s in scores] == [True, True, False]
    assert response.json()["model_versions"]["churn"] == serving_state.model_tag


def test_auth_and_validation_over_http(server, serving_state):
    url = server
    auth = {"Authorization": f"Bearer {serving_state.api_key}"}
    assert httpx.post(f"{url}/score", json={"client_ids": ["C0000001"]}, timeout=30).status_code == 401
    wrong = httpx.post(f"{url}/score", json={"client_ids": ["C1"]}, headers={"Authorization": "Bearer x"}, timeout=30)
    assert wrong.status_code == 401
    invalid = httpx.post(f"{url}/score", json={"client_ids": []}, headers=auth, timeout=30)
    assert invalid.status_code == 422 and invalid.json()["error"].startswith("client_ids:")
    for path in ("/healthz", "/livez", "/readyz", "/metrics", "/docs.json"):
        assert httpx.get(f"{url}{path}", timeout=30).status_code == 200, path


def test_one_client_scores_alike_on_the_event_loop_and_in_a_thread(server, serving_state):
    """A request of fewer than INLINE_MAX_IDS ids is scored on the event loop, a larger one in a worker
    thread: the same client gets the same entry either way. Entries of one request are scored at
    one request time and must be identical; across requests the request-time feature ages by the
    seconds between them, so probabilities are compared to 1e-6. (Latency is measured in
    benchmarks/, not here.)"""
    import serving.service as module

    auth = {"Authorization": f"Bearer {serving_state.api_key}"}
    client_id = serving_state.known_clients[0]
    with httpx.Client(base_url=server, headers=auth, timeout=30) as http:
        alone = [http.post("/score", json={"client_ids": [client_id]}) for _ in range(20)]
        crowd = http.post("/score", json={"client_ids": [client_id] * module.INLINE_MAX_IDS})
    assert all(response.status_code == 200 for response in [*alone, crowd])
    entries = crowd.json()["scores"]
    assert len(entries) == module.INLINE_MAX_IDS and all(entry == entries[0] for entry in entries)
    for response in alone:
        (entry,) = response.json()["scores"]
        assert entry["churn_probability"] == pytest.approx(entries[0]["churn_probability"], abs=1e-6)
        assert entry["intent"] == pytest.approx(entries[0]["intent"], abs=1e-6)
        assert entry["tier_90d"] == entries[0]["tier_90d"]
        assert {model: [r["feature"] for r in why] for model, why in entry["reasons"].items()} == {
            model: [r["feature"] for r in why] for model, why in entries[0]["reasons"].items()
        }
        assert entry["reasons"]["churn"]


def test_a_pushed_login_moves_the_next_score(server, serving_state):
    """The next `/score` after a login pushed to `/events` reads the live view: the request-time
    recency drops to zero, and the fixture's churn model, which learned that churn follows that
    recency, gives a lower probability. A service that pushed nothing, or scored without the live
    view, returns the score of before (two scores without an event agree to 1e-6: only the request
    time moves between them)."""
    auth = {"Authorization": f"Bearer {serving_state.api_key}"}
    client_id = serving_state.known_clients[-1]  # no other test pushes events for this client

    def churn() -> dict:
        reply = httpx.post(f"{server}/score", json={"client_ids": [client_id]}, headers=auth, timeout=30)
        assert reply.status_code == 200, reply.text
        (entry,) = reply.json()["scores"]
        return entry

    before, again = churn(), churn()
    assert again["churn_probability"] == pytest.approx(before["churn_probability"], abs=1e-6)
    login = {"events": [{"client_id": client_id, "event_type": "login"}]}
    pushed = httpx.post(f"{server}/events", json=login, headers=auth, timeout=30)
    assert pushed.status_code == 200, pushed.text
    assert pushed.json()["counters"] == [
        {"client_id": client_id, "live_logins_today": 1.0, "live_product_views_today": 0.0, "live_searches_today": 0.0}
    ]
    after = churn()
    assert after["churn_probability"] < before["churn_probability"] - 0.05, (before, after)
    # The batch features are the same rows: only the live view moved.
    assert after["feature_timestamp"] == before["feature_timestamp"] is not None


def test_serve_prints_a_generated_key_once_and_never_logs_it(serving_state):
    env = {k: v for k, v in os.environ.items() if k != "WEALTHPULSE_API_KEY"}
    process, url = start(env)
    try:
        # The key is printed before the server starts: read the first lines without blocking on the rest.
        banner = []
        while len(banner) < 2:
            banner.append(process.stdout.readline())
        key = banner[1].split("API key:", 1)[1].strip()
        assert len(key) >= 32
        auth = {"Authorization": f"Bearer {key}"}
        assert httpx.post(f"{url}/score", json={"client_ids": ["C0000001"]}, headers=auth, timeout=30).is_success
        assert httpx.post(f"{url}/score", json={"client_ids": ["C0000001"]}, timeout=30).status_code == 401
        assert httpx.post(f"{url}/score", json={"client_ids": ["x" * 100]}, headers=auth, timeout=30).status_code == 422
    finally:
        output = stop(process)
    assert output.count(key) == 0, "the key appears in the server's log"
    assert "Traceback" not in output
