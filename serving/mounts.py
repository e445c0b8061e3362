"""Mounted apps: they answer at their bare path too, and read the service's settings.

A mounted app answers at its bare path too: `GET /leads?...` is `GET /leads/?...`.

Without this the router answers the bare path with a 307 to the slashed one: a wasted round trip, and
an error for clients that do not follow redirects (or drop the Authorization header when they do).
"""

from fastapi import Request

from wealthpulse.settings import Settings

MOUNTED = ("/leads", "/segments")


def app_settings(request: Request) -> Settings:
    """The settings a mounted app was given by the service (``app.state.settings``), as a FastAPI dependency."""
    settings = getattr(request.app.state, "settings", None)
    if settings is None:
        raise RuntimeError(f"{request.app.title} was mounted without settings: set app.state.settings first")
    return settings


class MountedRoots:
    """ASGI middleware: the bare path of a mounted app is routed as its root."""

    def __init__(self, app, roots: tuple[str, ...] = MOUNTED) -> None:
        self.app = app
        self.roots = frozenset(roots)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope.get("path") in self.roots:
            path = scope["path"] + "/"
            scope = {**scope, "path": path, "raw_path": path.encode("ascii")}
        await self.app(scope, receive, send)
