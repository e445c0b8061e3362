"""The service in process: `TestClient(WealthPulse.to_asgi())` over the fixture's store and model."""

from __future__ import annotations

import gc
import logging

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from starlette.testclient import TestClient

from serving.schemas import MAX_CLIENT_ID_LENGTH, MAX_CLIENT_IDS
from wealthpulse.domain import NEEDS, TIERS

OPEN_PATHS = ["/healthz", "/livez", "/readyz", "/metrics", "/docs.json", "/"]


@pytest.fixture(scope="module")
def app(serving_state):
    from serving.service import WealthPulse

    return WealthPulse.to_asgi()


@pytest.fixture(scope="module")
def client(app):
    # Entering the client runs the app's lifespan, which builds the service instance.
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def auth(serving_state) -> dict[str, str]:
    return {"Authorization": f"Bearer {serving_state.api_key}"}


def test_score_known_and_unknown_clients(client, auth, serving_state):
    known = serving_state.known_clients[:3]
    response = client.post("/score", json={"client_ids": [*known, "C9999999", known[0]]}, headers=auth)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"scores", "model_versions"}
    assert body["model_versions"] == serving_state.model_tags
    scores = body["scores"]
    assert [s["client_id"] for s in scores] == [*known, "C9999999", known[0]]
    for entry in scores[:3]:
        assert set(entry) == {
            "client_id",
            "churn_probability",
            "intent",
            "tier_now",
            "tier_90d",
            "tier_probabilities",
            "reasons",
            "feature_timestamp",
            "error",
        }
        assert entry["reasons"]["churn"] and entry["reasons"]["churn"][0]["label"]
        assert 0.0 <= entry["churn_probability"] <= 1.0 and entry["error"] is None
        assert set(entry["intent"]) == set(NEEDS) and entry["tier_90d"] in TIERS
        assert entry["feature_timestamp"].startswith("2025-")
    assert scores[3]["churn_probability"] is None and "unknown client_id" in scores[3]["error"]
    assert scores[4] == scores[0]


def test_score_without_reasons_gives_the_same_scores(client, auth, serving_state):
    body = {"client_ids": [*serving_state.known_clients[:3], "C9999999"]}
    explained = client.post("/score", json=body, headers=auth).json()["scores"]
    response = client.post("/score", json={**body, "reasons": False}, headers=auth)
    assert response.status_code == 200, response.text
    quiet = response.json()["scores"]
    assert all(entry["reasons"] == {} for entry in quiet)
    assert all(entry["reasons"]["churn"] for entry in explained[:3])
    assert quiet == [{**entry, "reasons": {}} for entry in explained]


def test_next_best_action_and_events(client, auth, serving_state):
    known = serving_state.known_clients[0]
    reply = client.post("/next_best_action", json={"client_id": known, "k": 2}, headers=auth)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["client_id"] == known and body["allowed_rating"] in {"R1", "R2", "R3", "R4", "R5"}
    assert len(body["actions"]) <= 2
    bad = client.post("/next_best_action", json={"client_id": known, "k": 50}, headers=auth)
    assert bad.status_code == 422 and "k" in bad.text

    events = {"events": [{"client_id": known, "event_type": "login"}, {"client_id": known, "event_type": "search"}]}
    pushed = client.post("/events", json=events, headers=auth)
    assert pushed.status_code == 200, pushed.text
    counters = pushed.json()["counters"][0]
    assert counters["live_searches_today"] >= 1 and counters["live_logins_today"] >= 1
    again = client.post("/events", json={"events": [{"client_id": known, "event_type": "login"}]}, headers=auth)
    assert again.json()["counters"][0]["live_logins_today"] == counters["live_logins_today"] + 1
    wrong = client.post("/events", json={"events": [{"client_id": known, "event_type": "dance"}]}, headers=auth)
    assert wrong.status_code == 422 and "event_type" in wrong.text


def test_leads_endpoint_reads_the_daily_list(client, auth, serving_state):
    from datetime import date

    import pandas as pd

    from serving.leads import LEAD_COLUMNS

    day = date(2025, 7, 15)
    folder = serving_state.home / "leads" / f"dt={day.isoformat()}"
    folder.mkdir(parents=True, exist_ok=True)
    lead = dict.fromkeys(LEAD_COLUMNS)
    lead.update(
        lead_id="L1",
        lead_date=day,
        opened_on=day,
        client_id="C0000001",
        need="fixed_income",
        probability=0.4,
        expected_value=320.0,
        expected_conversion=0.3,
        value_tier="T3",
        advisor_id="A0001",
        assignment="advisor",
        priority=1,
        expires_on=day,
        product_ids=["P0100"],
        needs_reassessment=False,
        reasons=["fixed income probability 40%"],
    )
    pd.DataFrame([lead]).to_parquet(folder / "leads.parquet", index=False)
    # The bare path answers itself: no 307 to /leads/.
    reply = client.get(
        "/leads", params={"advisor_id": "A0001", "date": day.isoformat()}, headers=auth, follow_redirects=False
    )
    assert reply.status_code == 200, reply.text
    assert [entry["client_id"] for entry in reply.json()["leads"]] == ["C0000001"]
    assert client.get("/leads", params={"advisor_id": "A0001", "date": "2025-01-01"}, headers=auth).status_code == 404
    assert client.get("/leads", params={"advisor_id": "x", "date": day.isoformat()}, headers=auth).status_code == 422
    assert client.get("/leads", params={"advisor_id": "A0001", "date": day.isoformat()}).status_code == 401


def test_score_the_largest_batch(client, auth, serving_state):
    ids = (serving_state.known_clients * (MAX_CLIENT_IDS // len(serving_state.known_clients) + 1))[:MAX_CLIENT_IDS]
    response = client.post("/score", json={"client_ids": ids}, headers=auth)
    assert response.status_code == 200
    assert len(response.json()["scores"]) == MAX_CLIENT_IDS


def test_models_names_the_served_champions(client, auth, serving_state):
    assert client.post("/models").status_code == 401
    response = client.post("/models", headers=auth)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "model_versions": serving_state.model_tags,
        "feature_services": {
            name: "churn_v1" if name == "churn" else "tiering_v1" if name == "tiering" else "intent_v1"
            for name in serving_state.model_tags
        },
    }


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong-key"}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer"}],
    ids=["none", "wrong", "other-scheme", "empty"],
)
def test_score_needs_the_key(client, headers):
    response = client.post("/score", json={"client_ids": ["C0000001"]}, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["error"]
    assert "wrong-key" not in response.text


def test_the_key_is_checked_before_the_body(client):
    response = client.post("/score", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 401


def test_other_routes_need_the_key_too(client, auth):
    assert client.get("/schema.json").status_code == 401
    assert client.get("/schema.json", headers=auth).status_code == 200


@pytest.mark.parametrize("path", OPEN_PATHS)
def test_probes_metrics_and_docs_are_open(client, path):
    assert client.get(path).status_code == 200


def test_docs_redirect_to_the_docs_page(client):
    response = client.get("/docs", follow_redirects=False)
    assert response.status_code == 307 and response.headers["location"] == "/"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"client_ids": "C0000001"}, "client_ids"),
        ({"client_ids": []}, "client_ids"),
        ({"ids": ["C0000001"]}, "client_ids"),
        ({"client_ids": [1, {"a": 2}]}, "client_ids[0]"),
        ({"client_ids": ["C0000001", None]}, "client_ids[1]"),
        ({"client_ids": ["C" * (MAX_CLIENT_ID_LENGTH + 1)]}, "client_ids[0]"),
        ({"client_ids": [""]}, "client_ids[0]"),
        ({"client_ids": ["C0000001; DROP TABLE"]}, "client_ids[0]"),
        ({"client_ids": ["C0000001"] * (MAX_CLIENT_IDS + 1)}, "client_ids"),
        ({"client_ids": ["C0000001"], "k": 3}, "k"),
        ({"client_ids": ["C0000001"], "reasons": "sometimes"}, "reasons"),
        ([], "body"),
        (None, "client_ids"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_invalid_body_is_422_naming_the_field(client, auth, body, field):
    response = client.post("/score", json=body, headers=auth)
    assert response.status_code == 422, response.text
    payload = response.json()
    assert payload["error"].startswith(f"{field}:"), payload
    assert field in [item["field"] for item in payload["detail"]]


@pytest.mark.parametrize("raw", [b"{not json", b"", b"\xff\xfe", b'{"client_ids": ["C1"]'])
def test_unreadable_json_is_422(client, auth, raw):
    response = client.post("/score", content=raw, headers={**auth, "Content-Type": "application/json"})
    assert response.status_code == 422, response.text
    assert response.json()["error"]


@pytest.mark.parametrize("media", ["multipart/form-data", "text/plain", "application/x-www-form-urlencoded"])
def test_bodies_that_are_not_json_are_415(client, auth, media):
    response = client.post("/score", content=b"client_ids=C0000001", headers={**auth, "Content-Type": media})
    assert response.status_code == 415, response.text


def test_invalid_input_leaves_no_traceback_or_input_in_the_logs(client, auth, caplog):
    with caplog.at_level(logging.INFO):
        client.post("/score", json={"client_ids": ["SECRET-LOOKING-ID" * 10]}, headers=auth)
    assert "SECRET-LOOKING-ID" not in caplog.text
    assert "Traceback" not in caplog.text


def test_the_key_never_reaches_the_logs(client, auth, serving_state, caplog):
    with caplog.at_level(logging.DEBUG):
        client.post("/score", json={"client_ids": ["C0000001"]}, headers=auth)
        client.post("/score", json={"client_ids": ["C0000001"]}, headers={"Authorization": "Bearer nope"})
    assert serving_state.api_key not in caplog.text


def test_openapi_documents_auth_errors_and_fields(client):
    spec = client.get("/docs.json").json()
    assert spec["components"]["securitySchemes"]["bearerKey"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "The server's API key (WEALTHPULSE_API_KEY).",
    }
    operation = spec["paths"]["/score"]["post"]
    assert operation["security"] == [{"bearerKey": []}]
    assert {"200", "401", "415", "422"} <= set(operation["responses"]) and "400" not in operation["responses"]
    assert "Churn in 60 days" in operation["description"]
    assert "security" not in spec["paths"]["/readyz"]["get"]
    # The mounted lead list is documented with the rest, every parameter of it.
    leads = spec["paths"]["/leads"]["get"]
    assert {p["name"] for p in leads["parameters"]} == {"advisor_id", "date", "assignment", "limit", "offset"}
    assert leads["security"] == [{"bearerKey": []}]
    assert "Authorization: Bearer" in spec["info"]["description"]
    text = str(spec)
    assert "IODescriptor" not in text
    assert "1 to 1000 ids" in text and "Probability that the client goes dormant" in text


def test_no_server_error_on_any_generated_input(app, client, auth):
    """Schemathesis over the served OpenAPI document: valid and invalid bodies, never a 5xx."""
    schema = schemathesis.openapi.from_asgi("/docs.json", app)
    operation = schema["/score"]["POST"]
    cases = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )
    statuses: set[int] = set()

    @settings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(case=cases)
    def call(case):
        response = case.call(headers=auth)
        statuses.add(response.status_code)
        assert response.status_code < 500, (case.body, response.text)
        if response.status_code == 200:
            case.validate_response(response, headers=auth)

    call()
    assert 200 in statuses and 422 in statuses


def test_worker_processes_come_from_the_settings(serving_state):
    from serving.service import SETTINGS, WealthPulse

    assert WealthPulse.config["workers"] == SETTINGS.api_workers


def test_the_service_declares_every_champion_at_class_level(serving_state):
    """What `bentoml build` packs: one model per served name, the champion's tag."""
    from serving.service import WealthPulse

    assert sorted(str(model.tag) for model in WealthPulse.models) == sorted(serving_state.model_tags.values())


def test_a_missing_champion_stops_the_start_up_naming_it(serving_state, monkeypatch):
    import serving.served_models as served

    real = served.champion_tag
    monkeypatch.setattr(served, "champion_tag", lambda name: None if name == "intent_options" else real(name))
    with pytest.raises(LookupError, match="no champion of intent_options in the model store"):
        served.champion_tags()


@pytest.fixture(scope="module")
def service(serving_state):
    """A service instance in process, built after unfreezing the collector (the start-up test)."""
    from serving.service import WealthPulse

    gc.unfreeze()
    return WealthPulse.inner()


def test_many_ids_are_scored_in_pieces_with_the_same_entries(service, serving_state, monkeypatch):
    import serving.service as module

    known = serving_state.known_clients
    ids = [*(known * (module.PARALLEL_MIN_IDS // len(known) + 2))[: module.PARALLEL_MIN_IDS + 7], "C9999999"]
    request = service.request_values()
    pieces = service.score_entries(ids, request, explain=True)
    quiet = service.score_entries(ids, request, explain=False)
    monkeypatch.setattr(module, "PARALLEL_MIN_IDS", len(ids) + 1)
    assert pieces == service.score_entries(ids, request, explain=True)
    assert [entry["client_id"] for entry in pieces] == ids
    assert pieces[-1]["error"] and all(entry["error"] is None for entry in pieces[:-1])
    assert quiet == [{**entry, "reasons": {}} for entry in pieces]


def test_start_up_objects_are_kept_out_of_the_collector(service):
    assert gc.get_freeze_count() > 0
