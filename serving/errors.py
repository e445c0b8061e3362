"""The API answers invalid input with 422 Unprocessable Entity.

BentoML reports request validation failures as 400 with the pydantic message (which
names the field); the API contract says 422, so the status is rewritten on the way out.
"""

from __future__ import annotations


class UnprocessableInput:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_status(message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 400:
                message = {**message, "status": 422}
            await send(message)

        await self.app(scope, receive, send_with_status)
