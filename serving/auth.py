"""Bearer-key authentication for the scoring API, as an ASGI middleware.

Every request needs ``Authorization: Bearer <key>`` with the key from ``WEALTHPULSE_API_KEY``,
except the probes and metrics a platform polls (``/healthz``, ``/livez``, ``/readyz``,
``/metrics``) and the API documentation (``/docs.json``, the docs page ``/`` and ``/docs``, and
their static files). The key is compared in constant time and never logged or echoed.
A server started without a key refuses every protected request (fail closed).
"""

from __future__ import annotations

import hmac
import json
import os

from wealthpulse.settings import API_KEY_ENV

OPEN_PATHS = frozenset({"/", "/docs", "/docs.json", "/healthz", "/livez", "/readyz", "/metrics"})
OPEN_PREFIXES = ("/static_content/",)

MISSING = "missing credentials: send the header 'Authorization: Bearer <key>'"
MALFORMED = "malformed Authorization header: expected 'Bearer <key>'"
WRONG_KEY = "invalid API key"
NOT_CONFIGURED = f"the server has no API key configured ({API_KEY_ENV} is unset); every request is refused"


def is_open(path: str) -> bool:
    return path in OPEN_PATHS or path.startswith(OPEN_PREFIXES)


def bearer_token(authorization: bytes | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header; None when absent or of another scheme."""
    if authorization is None:
        return None
    scheme, _, token = authorization.decode("latin-1").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        return None
    return token


def check_key(token: str, key: str) -> bool:
    """Constant-time comparison, so response timing says nothing about the key."""
    return hmac.compare_digest(token.encode("utf-8"), key.encode("utf-8"))


def refusal(headers: dict[bytes, bytes], key: str | None) -> tuple[int, str] | None:
    """Why a request to a protected path is refused, as (status, reason); None to let it through."""
    if not key:
        return 503, NOT_CONFIGURED
    authorization = headers.get(b"authorization")
    if authorization is None:
        return 401, MISSING
    token = bearer_token(authorization)
    if token is None:
        return 401, MALFORMED
    if not check_key(token, key):
        return 401, WRONG_KEY
    return None


class BearerAuth:
    """ASGI middleware; the key is read from the environment when the app is built."""

    def __init__(self, app, api_key: str | None = None) -> None:
        self.app = app
        self.api_key = api_key if api_key is not None else os.environ.get(API_KEY_ENV, "")

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or is_open(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        headers = {name.lower(): value for name, value in scope.get("headers", [])}
        refused = refusal(headers, self.api_key)
        if refused is None:
            await self.app(scope, receive, send)
            return
        status, reason = refused
        body = json.dumps({"error": reason}).encode("utf-8")
        response_headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode("ascii")),
        ]
        if status == 401:
            response_headers.append((b"www-authenticate", b'Bearer realm="wealthpulse"'))
        await send({"type": "http.response.start", "status": status, "headers": response_headers})
        await send({"type": "http.response.body", "body": body})
