"""A ceiling on request bodies, enforced as the bytes arrive (413 in the one error shape).

A body that declares a length over the limit is refused before a byte of it is
read; one sent without a length (chunked) is counted as it streams in and
refused the moment it passes the limit, so an upload can fill neither memory nor
the temporary disk.  Nothing is written: the import route runs only once the
whole file has arrived.
"""

from __future__ import annotations

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mineaction.errors import MineActionError

__all__ = ["UploadLimit", "UploadTooLarge"]


class UploadTooLarge(MineActionError):
    """A request body (an uploaded file) is larger than the server accepts."""

    code = "upload_too_large"
    http_status = 413

    def __init__(self, limit_bytes: int) -> None:
        mb = f"{limit_bytes / 1024**2:,.1f}".removesuffix(".0")
        super().__init__(
            f"The upload is larger than the {mb} MB this server accepts; nothing was written.",
            hint="Split the file into smaller ones (or send a GeoPackage, which is compact), "
            "or ask the administrator to raise MINEACTION_MAX_UPLOAD_MB.",
        )


class UploadLimit:
    """ASGI middleware refusing request bodies larger than ``max_bytes``."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        received = 0
        exceeded = False
        answered = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise UploadTooLarge(self.max_bytes)
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal answered
            if not exceeded:
                if message["type"] == "http.response.start":
                    answered = True
                await send(message)
                return
            # Whatever the framework made of the interrupted body (a 400 "cannot parse"),
            # the answer is the 413 saying why.
            if message["type"] == "http.response.start" and not answered:
                answered = True
                await self._refuse(scope, receive, send)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except UploadTooLarge:
            if not answered:
                await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        error = UploadTooLarge(self.max_bytes)
        body = error.as_dict()
        body["error"]["problems"] = []
        response = JSONResponse(
            body, status_code=error.http_status, headers={"Connection": "close"}
        )
        await response(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
