"""Refuse an address holding a NUL character before any route or query runs.

No text column of either backend holds NUL (PostgreSQL refuses it outright):
a query string carrying one is a mistake or a probe.  A plain ASGI
middleware, as ``api.headers.SecurityHeaders``, so the requests that pass
pay for one substring test and nothing else.
"""

from __future__ import annotations

from fastapi import Request

from mineaction.api import errors
from mineaction.api.headers import ASGIApp, Receive, Scope, Send


class RefuseNul:
    """Answer 400 (the one error shape) for a NUL in the path or the query string."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (
            b"%00" in scope.get("query_string", b"").lower() or "\x00" in scope.get("path", "")
        ):
            response = errors.refuse(
                Request(scope),
                400,
                "The address holds a NUL character (%00), which no field can contain.",
                hint="Remove it from the query string.",
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
