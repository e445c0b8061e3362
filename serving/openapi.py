"""The OpenAPI document BentoML serves at ``/docs.json``, completed with what the API really does.

BentoML generates the paths and schemas from the service; this adds the bearer-key security
scheme, documents 401/415/422 (and drops BentoML's generic 400, which the API answers as 422),
gives the document a description and cleans the generated schema titles. ``/docs`` redirects
to the interactive docs page at ``/``.
"""

from __future__ import annotations

import copy
import json

from serving.auth import API_KEY_ENV
from serving.leads_app import leads_app

SECURITY_SCHEME = "bearerKey"
DESCRIPTION = (
    "Scores brokerage clients from their online features. Every endpoint except the health probes "
    "(`/healthz`, `/livez`, `/readyz`), `/metrics` and these docs needs the header "
    f"`Authorization: Bearer <key>` with the server's `{API_KEY_ENV}`. Invalid input gets a 422 whose "
    "`error` names the field; responses carry no personal data."
)
ERROR_SCHEMA = {
    "type": "object",
    "properties": {"error": {"type": "string", "description": "What is wrong."}},
    "required": ["error"],
}
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {"type": "string", "description": "Each invalid field and what is wrong with it."},
        "detail": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string", "description": "The field, e.g. client_ids[3]; 'body' for the body."},
                    "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
    "required": ["error", "detail"],
}
SUFFIX = "IODescriptor"
# Apps mounted beside BentoML's own routes: their operations join the document under their mount path.
MOUNTED_DOCS = {"/leads": leads_app}
# FastAPI's own validation-error schemas: the document describes the API's 422 body instead.
FASTAPI_ERRORS = ("HTTPValidationError", "ValidationError")


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def _strip_suffix(text: str) -> str:
    return text[: -len(SUFFIX)] if text.endswith(SUFFIX) else text


def _clean_names(node: object) -> None:
    """BentoML names its generated models ``<Model>IODescriptor``; the document shows ``<Model>``."""
    if isinstance(node, dict):
        for key in ("title", "$ref"):
            if isinstance(node.get(key), str):
                node[key] = _strip_suffix(node[key])
        for value in node.values():
            _clean_names(value)
    elif isinstance(node, list):
        for value in node:
            _clean_names(value)


def _add_mounted(spec: dict) -> None:
    """Each mounted app's operations under its path (the bare path: `GET /leads?...`), with its schemas."""
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    for prefix, app in MOUNTED_DOCS.items():
        mounted = app.openapi()
        for path, operations in mounted.get("paths", {}).items():
            spec.setdefault("paths", {})[prefix + path.rstrip("/")] = copy.deepcopy(operations)
        for name, schema in mounted.get("components", {}).get("schemas", {}).items():
            if name not in FASTAPI_ERRORS:
                schemas.setdefault(name, copy.deepcopy(schema))


def document(spec: dict) -> dict:
    """The completed OpenAPI document; the input is left as it is."""
    spec = copy.deepcopy(spec)
    _add_mounted(spec)
    spec.setdefault("info", {})["description"] = DESCRIPTION
    components = spec.setdefault("components", {})
    components.setdefault("securitySchemes", {})[SECURITY_SCHEME] = {
        "type": "http",
        "scheme": "bearer",
        "description": f"The server's API key ({API_KEY_ENV}).",
    }
    for operations in spec.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "Infrastructure" in operation.get("tags", []):
                continue
            operation["security"] = [{SECURITY_SCHEME: []}]
            responses = operation.setdefault("responses", {})
            responses.pop("400", None)
            responses["401"] = {"description": "Missing or wrong API key.", "content": _json(ERROR_SCHEMA)}
            responses["415"] = {"description": "The body is not application/json.", "content": _json(ERROR_SCHEMA)}
            responses["422"] = {
                "description": "Invalid input; `error` names each invalid field.",
                "content": _json(VALIDATION_ERROR_SCHEMA),
            }
    schemas = components.get("schemas", {})
    components["schemas"] = {
        _strip_suffix(name) if _strip_suffix(name) not in schemas else name: schema for name, schema in schemas.items()
    }
    _clean_names(spec)
    return spec


class OpenAPIDocument:
    """ASGI middleware: completes ``GET /docs.json`` and redirects ``/docs`` to the docs page."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        path = scope.get("path") if scope["type"] == "http" else None
        if path == "/docs":
            await send({"type": "http.response.start", "status": 307, "headers": [(b"location", b"/")]})
            await send({"type": "http.response.body", "body": b""})
            return
        if path != "/docs.json":
            await self.app(scope, receive, send)
            return

        start: dict = {}
        chunks: list[bytes] = []

        async def complete(message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            if start.get("status") == 200:
                body = json.dumps(document(json.loads(body))).encode("utf-8")
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode("ascii")))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, complete)
