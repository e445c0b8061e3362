"""The API answers invalid input with 422 Unprocessable Entity and a body that names the field.

BentoML reports request validation failures as 400 with pydantic's error list; the API
contract says 422, so the status is rewritten on the way out and the body is reshaped into
``{"error": "<field>: <message>; ...", "detail": [{"field", "loc", "msg", "type"}]}``.
A POST body that is not JSON is refused with 415 before BentoML picks a decoder for it.
"""

from __future__ import annotations

import json
import logging

from pydantic import ValidationError

JSON_MEDIA_TYPES = frozenset({"application/json", ""})
UNSUPPORTED_MEDIA = "unsupported Content-Type: send the request body as application/json"
# BentoML logs every failed request with its traceback here, validation failures included.
BENTOML_REQUEST_LOGGER = "bentoml._internal.server.http_app"


class DropValidationTracebacks(logging.Filter):
    """Invalid input is the client's error, answered with a 422: no server traceback, and the
    input pydantic quotes in its message (whatever the client sent) stays out of the logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, ValidationError)


def quiet_validation_errors() -> None:
    logger = logging.getLogger(BENTOML_REQUEST_LOGGER)
    if not any(isinstance(existing, DropValidationTracebacks) for existing in logger.filters):
        logger.addFilter(DropValidationTracebacks())


def field_name(loc: list | tuple) -> str:
    """``["client_ids", 3]`` -> ``client_ids[3]``; an empty location is the body itself."""
    name = ""
    for part in loc:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "body"


def validation_body(raw: bytes) -> dict:
    """Reshape BentoML's 400 body; a body of another shape keeps its message."""
    try:
        payload = json.loads(raw)
    except ValueError:
        return {"error": "invalid request", "detail": []}
    if isinstance(payload, list) and payload and isinstance(payload[0], dict):
        payload = payload[0]
    if not isinstance(payload, dict):
        return {"error": "invalid request", "detail": []}
    errors = payload.get("detail")
    if not isinstance(errors, list) or not errors:
        return {"error": str(payload.get("error") or "invalid request"), "detail": []}
    return error_body([error for error in errors if isinstance(error, dict)])


def error_body(errors: list[dict], hidden: tuple[str, ...] = ()) -> dict:
    """The 422 body of pydantic-style errors; `hidden` location parts (``body``, ``query``) are left
    out of the field's name, since the client knows where it sent the field."""
    detail = [
        {
            "field": field_name([part for part in error.get("loc") or [] if part not in hidden]),
            "loc": list(error.get("loc") or []),
            "msg": str(error.get("msg", "")),
            "type": str(error.get("type", "")),
        }
        for error in errors
    ]
    return {"error": "; ".join(f"{item['field']}: {item['msg']}" for item in detail), "detail": detail}


def media_type(headers: list[tuple[bytes, bytes]]) -> str:
    for name, value in headers:
        if name.lower() == b"content-type":
            return value.decode("latin-1").split(";")[0].strip().lower()
    return ""


async def send_json(send, status: int, payload: dict) -> None:
    body = json.dumps(payload).encode("utf-8")
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode("ascii"))]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class UnprocessableInput:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope.get("method") == "POST" and media_type(scope.get("headers", [])) not in JSON_MEDIA_TYPES:
            await send_json(send, 415, {"error": UNSUPPORTED_MEDIA})
            return

        start: dict | None = None
        chunks: list[bytes] = []

        async def reshape_400(message) -> None:
            nonlocal start
            if message["type"] == "http.response.start" and message["status"] == 400:
                start = message
                return
            if start is None:
                await send(message)
                return
            if message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    await send_json(send, 422, validation_body(b"".join(chunks)))

        await self.app(scope, receive, reshape_400)
