"""Kept answers of the hot reads, sent before FastAPI's request handling.

A list page, a record or a map layer that is kept (``services.record_answers``,
``services.map_layer``) cost ~1 ms of CPU, most of it FastAPI's routing,
dependency solving and query validation around a memory lookup
(bench/bench_request_floor.py).  This plain ASGI middleware answers those
three GETs itself when their answer is kept: it resolves who asks exactly as
the routes do (``deps.resolve``: the token or session, with the data version
read in the same transaction), checks the query with the routes' own models
and asks the routes' own ``kept_*`` functions, which refuse as the routes do.

Anything else goes on to FastAPI unchanged: another path or method, a query
it does not read the way FastAPI would (a repeated parameter), an answer not
kept, and every refusal or invalid value, so errors keep their one shape and
are decided by the route.  Who asks is left in the request's state, so the
route does not look them up again.  The routes stay in the OpenAPI document.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import parse_qsl

from fastapi import Request
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool

from mineaction.api import deps
from mineaction.api.headers import ASGIApp, Receive, Scope, Send
from mineaction.api.routes import records
from mineaction.errors import MineActionError
from mineaction.services import browse
from mineaction.services.policy import Principal
from mineaction.store.database import Database

#: The three reads, with the path's parts as the routes take them.
_LIST = re.compile(r"/api/records/([^/]+)")
#: A record id as FastAPI reads it and as a plain decimal (anything else: to FastAPI).
_RECORD = re.compile(r"/api/records/([^/]+)/([1-9][0-9]{0,18})")
_MAP = re.compile(r"/api/map/([^/]+)")

Kept = Callable[[Principal, Database, str | None], bytes | None]
M = TypeVar("M", bound=BaseModel)


class KeptReads:
    """Answer a kept list page, record or map layer; pass every other request on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            found = _asked(scope["path"], scope.get("query_string", b""))
            if found is not None:
                answer, media_type = found
                body = await _kept(scope, answer)
                if body:
                    await _send(send, body, media_type)
                    return
        await self.app(scope, receive, send)


def _asked(path: str, query_string: bytes) -> tuple[Kept, bytes] | None:
    """Return how to look up the kept answer to ``path`` and its media type, or None."""
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

        def page(who: Principal, db: Database, version: str | None) -> bytes | None:
            return records.kept_list(kind, who=who, db=db, q=filters, version=version)

        return page, b"application/json"
    if match := _RECORD.fullmatch(path):
        kind, record_id = match[1], int(match[2])
        asked_format = query.get("format", "json")
        if record_id > browse.MAX_ID or asked_format not in ("json", "geojson"):
            return None
        format: records.Format = "geojson" if asked_format == "geojson" else "json"

        def record(who: Principal, db: Database, version: str | None) -> bytes | None:
            return records.kept_record(
                kind, record_id, who=who, db=db, format=format, version=version
            )

        return record, b"application/json"
    if match := _MAP.fullmatch(path):
        view = _model(records.MapView, query)
        if view is None:
            return None
        kind = match[1]

        def layer(who: Principal, db: Database, version: str | None) -> bytes | None:
            return records.kept_map(kind, who=who, db=db, q=view, version=version)

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


async def _kept(scope: Scope, answer: Kept) -> bytes | None:
    """Return the kept answer for who asks, or None (not kept, or refused: the route decides)."""
    request = Request(scope)
    try:
        if "principal" in scope.get("state", ()) or deps.resolve_on_loop(request):
            who = deps.resolve(request)[0]
        else:
            who = (await run_in_threadpool(deps.resolve, request))[0]
        return answer(who, request.app.state.db, request.state.data_version)
    except MineActionError:
        return None


async def _send(send: Send, body: bytes, media_type: bytes) -> None:
    # The headers a FastAPI ``Response(body, media_type=…)`` carries.
    headers = [(b"content-length", str(len(body)).encode()), (b"content-type", media_type)]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
