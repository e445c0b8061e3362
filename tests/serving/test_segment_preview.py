"""POST /segments/preview: in process behind the service's middlewares, and over HTTP from `wealthpulse serve`."""

from __future__ import annotations

import os

import httpx
import pandas as pd
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from serving.segments.audience import AUDIENCE_FILE, build_audience
from serving.segments.vocabulary import NEEDS
from wealthpulse.settings import Settings

DAY = pd.Timestamp("2025-08-19").date()
# Ten clients with known values, so every count below is exact.
CLIENTS = pd.DataFrame(
    {
        "client_id": [f"C{i:07d}" for i in range(1, 11)],
        "as_of_date": DAY,
        "tier": ["T1", "T1", "T2", "T3", "T3", "T4", "T4", "T5", "T5", "T5"],
        "tier_code": [1, 1, 2, 3, 3, 4, 4, 5, 5, 5],
        "preference_group": ["wealth_builder_balanced"] * 5 + ["self_directed_trader_aggressive"] * 5,
        "preference_group_code": [8] * 5 + [6] * 5,
        "risk_level": [None, "C1", "C2", "C3", "C3", "C4", None, "C5", "C3", "C2"],
        "risk_level_code": [0, 1, 2, 3, 3, 4, 0, 5, 3, 2],
        "tag_dormant": [1, 1, 0, 0, 0, 0, 1, 0, 0, 0],
        "tag_holds_fund": [0, 0, 1, 1, 0, 1, 1, 1, 1, 0],
    }
)
CHURN = pd.DataFrame(
    {"client_id": CLIENTS["client_id"], "churn_60d": [0.9, 0.1, 0.2, 0.7, 0.8, 0.65, 0.9, 0.61, 0.3, 0.95]}
)
INTENT = pd.DataFrame(
    [
        {"client_id": c, "need": n, "probability": 0.1 * (i % 5)}
        for i, c in enumerate(CLIENTS["client_id"])
        for n in NEEDS
    ]
)
ISSUE_EXAMPLE = "tier in ('T4','T5') and churn_60d > 0.6 and holds_fund and risk_level >= 'C3'"


@pytest.fixture(scope="module")
def audience(serving_state):
    folder = Settings.from_env().audience_dir(DAY)
    folder.mkdir(parents=True, exist_ok=True)
    build_audience(CLIENTS, CHURN, INTENT).to_parquet(folder / AUDIENCE_FILE, index=False)
    return folder / AUDIENCE_FILE


@pytest.fixture(scope="module")
def client(serving_state, audience):
    # The app mounted as the service mounts it, behind the service's own middlewares. The service's
    # ASGI app is built once per process (its metrics register globally), so the mount itself is
    # proven over HTTP below.
    from serving.auth import BearerAuth
    from serving.errors import UnprocessableInput
    from serving.segments_app import segments_app

    segments_app.state.settings = Settings.from_env()
    app = UnprocessableInput(BearerAuth(Starlette(routes=[Mount("/segments", app=segments_app)])))
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def auth(serving_state) -> dict[str, str]:
    return {"Authorization": f"Bearer {serving_state.api_key}"}


def test_preview_counts_the_members_of_an_expression(client, auth):
    reply = client.post("/segments/preview", json={"expression": ISSUE_EXAMPLE}, headers=auth)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    # C6 (T4, C4, 0.65, fund) and C8 (T5, C5, 0.61, fund); C7 has no valid assessment, C9 low churn.
    assert body == {
        "expression": ISSUE_EXAMPLE,
        "as_of_date": DAY.isoformat(),
        "members": 2,
        "audience": 10,
        "share": 0.2,
        "sample_client_ids": ["C0000006", "C0000008"],
    }
    dormant = client.post("/segments/preview", json={"expression": "dormant", "sample": 1}, headers=auth).json()
    assert dormant["members"] == 3 and dormant["sample_client_ids"] == ["C0000001"]
    none = client.post("/segments/preview", json={"expression": "not (risk_level >= 'C1')", "sample": 0}, headers=auth)
    assert none.json()["members"] == 2 and none.json()["sample_client_ids"] == []


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        (
            "holds_funds and dormant",
            "expression: unknown identifier 'holds_funds'; did you mean 'holds_fund'? (at character 1)",
        ),
        ("dormant and (tier = 'T1'", "expression: expected ')' to close the '(' at character 13"),
        ("tier = 'T7'", "expression: 'T7' is not a tier"),
        ("churn_60d > 'high'", "is compared with numbers"),
    ],
)
def test_a_bad_expression_is_a_422_naming_it(client, auth, expression, message):
    reply = client.post("/segments/preview", json={"expression": expression}, headers=auth)
    assert reply.status_code == 422
    assert message in reply.json()["error"]
    assert reply.json()["detail"][0]["field"] == "expression"


def test_a_bad_body_is_a_422_naming_the_field(client, auth):
    missing = client.post("/segments/preview", json={}, headers=auth)
    assert missing.status_code == 422 and missing.json()["error"].startswith("expression:")
    too_many = client.post("/segments/preview", json={"expression": "dormant", "sample": 500}, headers=auth)
    assert too_many.status_code == 422 and too_many.json()["error"].startswith("sample:")


def test_preview_needs_the_key(client):
    reply = client.post("/segments/preview", json={"expression": "dormant"})
    assert reply.status_code == 401 and reply.json()["error"]
    wrong = client.post("/segments/preview", json={"expression": "dormant"}, headers={"Authorization": "Bearer no"})
    assert wrong.status_code == 401


def test_no_audience_yet_is_a_404_saying_what_to_run(client, auth, audience):
    hidden = audience.with_name("audience.hidden")
    audience.replace(hidden)
    try:
        reply = client.post("/segments/preview", json={"expression": "dormant"}, headers=auth)
    finally:
        hidden.replace(audience)
    assert reply.status_code == 404 and "serving/segment_audience" in reply.json()["error"]


@pytest.mark.http
def test_preview_over_http(serving_state, audience):
    from tests.serving.http_server import start, stop

    process, url = start(dict(os.environ))
    try:
        auth = {"Authorization": f"Bearer {serving_state.api_key}"}
        ok = httpx.post(f"{url}/segments/preview", json={"expression": ISSUE_EXAMPLE}, headers=auth, timeout=30)
        assert ok.status_code == 200 and ok.json()["members"] == 2
        bad = httpx.post(f"{url}/segments/preview", json={"expression": "tier >= 'T9'"}, headers=auth, timeout=30)
        assert bad.status_code == 422 and "'T9' is not a tier" in bad.json()["error"]
        assert httpx.post(f"{url}/segments/preview", json={"expression": "dormant"}, timeout=30).status_code == 401
        documented = httpx.get(f"{url}/docs.json", timeout=30).json()["paths"]["/segments/preview"]["post"]
        assert documented["security"] == [{"bearerKey": []}] and "422" in documented["responses"]
    finally:
        output = stop(process)
    assert "Traceback" not in output
