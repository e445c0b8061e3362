"""Every route but a declared few needs the key: walked from the service's own OpenAPI document.

A route added later is walked too, so it cannot ship open by accident; a path added to the open
list fails here until it is declared below.
"""

from __future__ import annotations

import os
import re

import httpx
import pytest

from serving.auth import API_KEY_ENV, OPEN_PATHS
from serving.leads_app import leads_app
from serving.mounts import MOUNTED
from serving.segments_app import segments_app
from tests.serving.http_server import start, stop

pytestmark = pytest.mark.http

# What a platform polls and what documents the API: nothing else answers without the key.
OPEN_ROUTES = frozenset({"/", "/docs", "/docs.json", "/healthz", "/livez", "/readyz", "/metrics"})
# Routes the walk must find, so a document that lost its paths cannot pass for an empty one.
PROTECTED_AT_LEAST = {"/score", "/models", "/events", "/next_best_action", "/leads", "/segments/preview"}
MOUNTED_APPS = {"/leads": leads_app, "/segments": segments_app}
METHODS = {"get", "post", "put", "patch", "delete"}


def routes(spec: dict, prefix: str = "") -> set[tuple[str, str]]:
    """(method, path) of every operation of an OpenAPI document, path parameters filled with a value."""
    return {
        (method.upper(), re.sub(r"\{[^}]+\}", "x", prefix + path).rstrip("/") or "/")
        for path, operations in spec.get("paths", {}).items()
        for method in operations
        if method in METHODS
    }


def walked_routes(url: str) -> set[tuple[str, str]]:
    """The service's document at /docs.json and the documents of the apps mounted under it."""
    reply = httpx.get(f"{url}/docs.json", timeout=30)
    assert reply.status_code == 200, reply.text
    found = routes(reply.json())
    for prefix, app in MOUNTED_APPS.items():
        found |= routes(app.openapi(), prefix)
    return found


def call(url: str, method: str, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
    # No body: the key is checked before the body is read, so an empty request must be refused too.
    return httpx.request(method, f"{url}{path}", headers=headers or {}, timeout=30, follow_redirects=False)


@pytest.fixture(scope="module")
def keyed(serving_state):
    process, url = start(dict(os.environ))
    try:
        yield url
    finally:
        stop(process)


@pytest.fixture(scope="module")
def keyless(serving_state):
    # `bentoml serve` as a deployment runs it, without a key: `wealthpulse serve` would make one.
    env = {name: value for name, value in os.environ.items() if name != API_KEY_ENV}
    process, url = start(env, bare=True)
    try:
        yield url
    finally:
        stop(process)


def test_the_open_routes_are_the_declared_ones():
    assert OPEN_PATHS == OPEN_ROUTES
    assert set(MOUNTED) == set(MOUNTED_APPS)


def test_every_route_of_the_document_needs_the_key(keyed, serving_state):
    walked = walked_routes(keyed)
    protected = sorted((method, path) for method, path in walked if path not in OPEN_ROUTES)
    assert PROTECTED_AT_LEAST <= {path for _, path in protected}, protected
    for method, path in protected:
        for headers in ({}, {"Authorization": "Bearer not-the-key"}, {"Authorization": serving_state.api_key}):
            reply = call(keyed, method, path, headers)
            assert reply.status_code == 401, (method, path, headers.keys(), reply.status_code, reply.text)
            assert reply.headers["www-authenticate"].startswith("Bearer"), (method, path)
            assert serving_state.api_key not in reply.text
        # With the key the route is reached: whatever it answers, it is not the refusal.
        reached = call(keyed, method, path, {"Authorization": f"Bearer {serving_state.api_key}"})
        assert reached.status_code not in {401, 503}, (method, path, reached.text)


def test_the_open_routes_answer_without_a_key(keyed):
    walked = {path for _, path in walked_routes(keyed)}
    for path in sorted(OPEN_ROUTES):
        reply = call(keyed, "GET", path)
        assert reply.status_code == (307 if path == "/docs" else 200), (path, reply.status_code)
    # The probes are documented, so the walk sees them and leaves them open.
    assert {"/healthz", "/livez", "/readyz", "/metrics"} <= walked


def test_without_a_configured_key_every_protected_route_is_503(keyless, serving_state):
    protected = sorted((m, p) for m, p in walked_routes(keyless) if p not in OPEN_ROUTES)
    assert PROTECTED_AT_LEAST <= {path for _, path in protected}
    for method, path in protected:
        # Not even the key the other server holds opens it: the server has none to compare with.
        for headers in ({}, {"Authorization": f"Bearer {serving_state.api_key}"}):
            reply = call(keyless, method, path, headers)
            assert reply.status_code == 503, (method, path, reply.status_code, reply.text)
            assert API_KEY_ENV in reply.json()["error"]
    for path in ("/readyz", "/healthz", "/livez", "/metrics", "/docs.json"):
        assert call(keyless, "GET", path).status_code == 200, path
