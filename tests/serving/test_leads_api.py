"""`GET /leads`: the day's assigned leads by default, deferred and pool leads when asked, paged, documented,
a 422 naming any bad parameter."""

from datetime import date, timedelta

import pandas as pd
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from serving.lead_rules import NEEDS, LeadRules
from serving.leads import build_leads
from serving.leads_app import leads_app
from serving.mounts import MountedRoots
from serving.openapi import document
from wealthpulse.settings import Settings

DAY1 = date(2025, 11, 27)
DAY2 = DAY1 + timedelta(days=1)
RULES = LeadRules(thresholds=dict.fromkeys(NEEDS, 0.0), capacity_per_advisor=3)
PRODUCTS = pd.DataFrame({"product_id": ["P1"], "need": ["equity_fund"], "risk_rating": ["R1"]})


def _day(day: date, clients: int, previous=None) -> pd.DataFrame:
    ids = [f"C{i:07d}" for i in range(clients)]
    frame = pd.DataFrame(
        {
            "client_id": ids,
            # Five clients of A0001, two of A0002, the rest without an advisor.
            "advisor_id": ["A0001"] * 5 + ["A0002"] * 2 + [None] * (clients - 7),
            "value_tier": "T3",
            "allowed_rating": 3,
            "needs_reassessment": False,
        }
    )
    scores = pd.DataFrame(
        {"client_id": ids, "need": "equity_fund", "probability": [0.9 - i / 100 for i in range(clients)]}
    )
    return build_leads(scores, frame, PRODUCTS, day, rules=RULES, previous=previous)


@pytest.fixture
def client(tmp_path):
    settings = Settings(home=tmp_path)
    first = _day(DAY1, 10)
    for day, leads in ((DAY1, first), (DAY2, _day(DAY2, 12, previous=first))):
        settings.leads_file(day).parent.mkdir(parents=True)
        leads.to_parquet(settings.leads_file(day), index=False)
    leads_app.state.settings = settings
    # Mounted as the service mounts it, bare path included.
    return TestClient(MountedRoots(Starlette(routes=[Mount("/leads", app=leads_app)])))


def test_by_default_the_advisors_assigned_leads_of_the_newest_day(client):
    reply = client.get("/leads", params={"advisor_id": "A0001"})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["date"] == DAY2.isoformat() and body["assignment"] == "advisor" and body["advisor_id"] == "A0001"
    assert body["total"] == 3 and body["next_offset"] is None
    assert [lead["priority"] for lead in body["leads"]] == [1, 2, 3]
    assert {lead["assignment"] for lead in body["leads"]} == {"advisor"}
    # The queue across the two days: yesterday's leads carried with their ids, opened on day 1.
    assert {lead["opened_on"] for lead in body["leads"]} == {DAY1.isoformat()}
    older = client.get("/leads", params={"advisor_id": "A0001", "date": DAY1.isoformat()}).json()
    assert older["date"] == DAY1.isoformat()
    assert [lead["lead_id"] for lead in older["leads"]] == [lead["lead_id"] for lead in body["leads"]]


def test_deferred_and_pool_only_when_asked(client):
    deferred = client.get("/leads", params={"advisor_id": "A0001", "assignment": "deferred"}).json()
    assert deferred["total"] == 2 and {lead["assignment"] for lead in deferred["leads"]} == {"deferred"}
    assert [lead["priority"] for lead in deferred["leads"]] == [4, 5]
    pool = client.get("/leads", params={"assignment": "pool"}).json()
    assert pool["total"] == 5 and pool["advisor_id"] is None
    assert {lead["assignment"] for lead in pool["leads"]} == {"pool"}
    # advisor_id=pool is the same question.
    assert client.get("/leads", params={"advisor_id": "pool"}).json() == pool
    other = client.get("/leads", params={"advisor_id": "A0002"}).json()
    assert other["total"] == 2 and {lead["client_id"] for lead in other["leads"]} == {"C0000005", "C0000006"}


def test_pages_cover_the_list_once(client):
    seen, offset, pages = [], 0, 0
    while offset is not None:
        page = client.get("/leads", params={"assignment": "pool", "limit": 2, "offset": offset}).json()
        assert page["total"] == 5 and page["limit"] == 2 and len(page["leads"]) <= 2
        seen += [lead["lead_id"] for lead in page["leads"]]
        offset, pages = page["next_offset"], pages + 1
    assert pages == 3 and len(seen) == len(set(seen)) == 5
    assert client.get("/leads", params={"assignment": "pool", "offset": 99}).json()["leads"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"advisor_id": "x"}, "advisor_id"),
        ({}, "advisor_id"),  # required for the assigned leads
        ({"advisor_id": "A0001", "date": "2025-13-01"}, "date"),
        ({"advisor_id": "A0001", "assignment": "all"}, "assignment"),
        ({"advisor_id": "pool", "assignment": "deferred"}, "assignment"),
        ({"advisor_id": "A0001", "limit": 0}, "limit"),
        ({"advisor_id": "A0001", "limit": 501}, "limit"),
        ({"advisor_id": "A0001", "offset": -1}, "offset"),
    ],
)
def test_a_bad_parameter_is_a_422_naming_it(client, params, field):
    reply = client.get("/leads", params=params)
    assert reply.status_code == 422, reply.text
    body = reply.json()
    assert body["error"].startswith(f"{field}:") and body["detail"][0]["field"] == field


def test_a_day_without_a_list_is_a_404(client, tmp_path):
    assert client.get("/leads", params={"advisor_id": "A0001", "date": "2025-01-01"}).status_code == 404
    leads_app.state.settings = Settings(home=tmp_path / "empty")
    reply = client.get("/leads", params={"advisor_id": "A0001"})
    assert reply.status_code == 404 and "no lead list" in reply.text


def test_the_openapi_document_describes_every_parameter():
    spec = document({"paths": {}, "components": {"schemas": {}}})
    operation = spec["paths"]["/leads"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert set(parameters) == {"advisor_id", "date", "assignment", "limit", "offset"}
    assert all(p["description"] for p in parameters.values())
    assert parameters["assignment"]["schema"]["enum"] == ["advisor", "deferred", "pool"]
    assert parameters["limit"]["schema"]["maximum"] == 500
    assert operation["security"] == [{"bearerKey": []}] and "422" in operation["responses"]
    page = spec["components"]["schemas"]["LeadsPage"]
    assert {"total", "offset", "limit", "next_offset", "leads"} <= set(page["properties"])
    assert "HTTPValidationError" not in spec["components"]["schemas"]
