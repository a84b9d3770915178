"""The hot reads (a list page, a record, a map layer) answered before FastAPI's request handling.

A kept answer (``services.record_answers``, ``services.map_layer``) cost ~1.5
ms of CPU through FastAPI, most of it routing, dependency solving, query
validation and a worker thread to learn who asks, around a memory lookup
(bench/bench_request_floor.py).  This plain ASGI middleware answers those
three GETs itself: it resolves who asks as the routes do (``deps``; a kept
token or the public from memory and the data version read on the event
loop), checks the query with the routes' own models and calls the routes'
own bodies (``records.list_answer``, ``record_answer``, ``map_answer``), so
the rules are written once.

Anything else goes on to FastAPI unchanged: another path or method, a query
it might not read as FastAPI would (a repeated parameter, a record id not
written plainly), and every refusal, invalid value or failure, which the
route then decides again, so errors keep their one shape.  Who asks is left
in the request's state for the route.  The routes stay in the OpenAPI document.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import TypeVar
from urllib.parse import parse_qsl

from fastapi import Request
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import State

from mineaction.api import deps
from mineaction.api.headers import ASGIApp, Receive, Scope, Send
from mineaction.api.routes import records
from mineaction.services import browse
from mineaction.services.policy import Principal

#: The three reads, with the path's parts as the routes take them.
_LIST = re.compile(r"/api/records/([^/]+)")
#: A record id as FastAPI reads it and as a plain decimal (anything else: to FastAPI).
_RECORD = re.compile(r"/api/records/([^/]+)/([1-9][0-9]{0,18})")
_MAP = re.compile(r"/api/map/([^/]+)")

#: An answer for who asks, from the app's state (its database and readers) and the data version.
Answer = Callable[[Principal, State, str | None], Awaitable[bytes]]
M = TypeVar("M", bound=BaseModel)


class HotReads:
    """Answer a list page, a record or a map layer; pass every other request on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            found = _asked(scope["path"], scope.get("query_string", b""))
            if found is not None:
                answer, media_type = found
                body = await _answer(scope, answer)
                if body:
                    await _send(send, body, media_type)
                    return
        await self.app(scope, receive, send)


def _asked(path: str, query_string: bytes) -> tuple[Answer, bytes] | None:
    """Return how to answer ``path`` and the answer's media type, or None (FastAPI answers)."""
    if not path.startswith(("/api/records/", "/api/map/")):
        return None
    query = _query(query_string)
    if query is None:
        return None
    if match := _LIST.fullmatch(path):
        filters = _model(records.Filters, query)
        if filters is None:
            return None
        kind = match[1]

        async def page(who: Principal, app: State, version: str | None) -> bytes:
            return await records.list_answer(kind, who=who, db=app.db, q=filters, version=version)

        return page, b"application/json"
    if match := _RECORD.fullmatch(path):
        kind, record_id = match[1], int(match[2])
        asked_format = query.get("format", "json")
        if record_id > browse.MAX_ID or asked_format not in ("json", "geojson"):
            return None
        format: records.Format = "geojson" if asked_format == "geojson" else "json"

        async def record(who: Principal, app: State, version: str | None) -> bytes:
            return await records.record_answer(
                kind,
                record_id,
                who=who,
                db=app.db,
                format=format,
                version=version,
                reader=app.record_reader,
            )

        return record, b"application/json"
    if match := _MAP.fullmatch(path):
        view = _model(records.MapView, query)
        if view is None:
            return None
        kind = match[1]

        async def layer(who: Principal, app: State, version: str | None) -> bytes:
            return await records.map_answer(kind, who=who, db=app.db, q=view, version=version)

        return layer, b"application/geo+json"
    return None


def _query(query_string: bytes) -> dict[str, str] | None:
    """Return the query's parameters as Starlette parses them; None when one is repeated."""
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    query = dict(pairs)
    return query if len(query) == len(pairs) else None


def _model(model: type[M], query: dict[str, str]) -> M | None:
    """Return the route's query model for ``query``, or None when FastAPI would refuse it."""
    try:
        return model.model_validate({k: v for k, v in query.items() if k in model.model_fields})
    except ValidationError:
        return None


async def _answer(scope: Scope, answer: Answer) -> bytes | None:
    """Return the answer for who asks, or None (refused or failed: the route decides)."""
    request = Request(scope)
    try:
        if "principal" in scope.get("state", ()) or deps.resolve_on_loop(request):
            who = deps.resolve(request)[0]
        else:
            who = (await run_in_threadpool(deps.resolve, request))[0]
        return await answer(who, request.app.state, request.state.data_version)
    except Exception:  # a refusal, a bad value, a failure: the route answers it again
        return None


async def _send(send: Send, body: bytes, media_type: bytes) -> None:
    # The headers a FastAPI ``Response(body, media_type=…)`` carries.
    headers = [(b"content-length", str(len(body)).encode()), (b"content-type", media_type)]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
