"""The API's answers for a page of records and for one record, as JSON text, kept per data version.

A page of 100 records costs ~20 ms of CPU to read and write out (the ORM's
objects, and every geometry turned into GeoJSON); readers ask for the same
pages and records again and again between changes.  Each answer is kept in
memory under the data version (``services.data_version``) and everything it
depends on (the kind, filters, page, format, and the reader's scope or, for
one record, the reader), so a write makes every kept answer unreachable.
A refusal is never kept: it is decided again on every request.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from sqlalchemy.orm import Session

from mineaction.services import browse, data_version
from mineaction.services.answer_cache import AnswerCache
from mineaction.services.catalogue import KindInfo
from mineaction.services.policy import Principal, RecordFacts, read_scope, require

Format = Literal["json", "geojson"]
#: The answers kept per server process.
_answers = AnswerCache(max_bytes=64 * 2**20)


def forget() -> None:
    """Forget every kept answer (tests; a write already makes them unreachable)."""
    _answers.clear()


def page_json(
    session: Session,
    info: KindInfo,
    *,
    who: Principal,
    filters: browse.Filters,
    limit: int,
    offset: int,
    format: Format,
    version: str | None = None,
) -> bytes:
    """Return one page of the records of ``info`` that ``who`` may read, as the API's JSON.

    ``version`` is the data version when the caller has read it already (before
    this session read anything); otherwise it is read here.
    """
    scope = read_scope(who, info.name)
    version = version or data_version.current(session)  # before the data it labels
    key = _page_key(_where(session), version, info, scope, filters, limit, offset, format)
    found = _answers.get(key)
    if found is None:
        page = browse.list_records(
            session, info, scope=scope, filters=filters, limit=limit, offset=offset
        )
        body: dict[str, Any]
        if format == "geojson":
            body = {"type": "FeatureCollection"}
            if page.exact:
                body["numberMatched"] = page.total
            body["numberReturned"] = len(page.rows)
            body["features"] = [browse.as_feature(r, info) for r in page.rows]
        else:
            body = {
                "kind": info.name,
                "count": page.total,
                "count_exact": page.exact,
                "limit": limit,
                "offset": offset,
                "items": [browse.as_dict(r) for r in page.rows],
            }
        found = _encode(body)
        _answers.put(key, found)
    return found


def record_json(
    session: Session,
    info: KindInfo,
    record_id: int,
    *,
    who: Principal,
    format: Format,
    version: str | None = None,
) -> bytes:
    """Return one record as the API's JSON (a GeoJSON Feature with ``geojson``), if ``who`` may.

    Raises ``NotFoundError`` for no such record and ``Forbidden`` when ``who``
    may not read it, every time.  ``version`` as for ``page_json``.
    """
    version = version or data_version.current(session)
    asked: dict[str, Any] = {"info": info, "record_id": record_id, "who": who, "format": format}
    where = _where(session)
    found = kept_record(where=where, version=version, **asked)
    if found is None:
        found = record_from(
            browse.read_one(session, info, record_id), where=where, version=version, **asked
        )
    return found


def record_from(
    read: tuple[Any, RecordFacts],
    *,
    where: str,
    version: str,
    info: KindInfo,
    record_id: int,
    who: Principal,
    format: Format,
) -> bytes:
    """Return the answer for a record ``browse.read_one`` read, if ``who`` may; keep it.

    ``where`` and ``version`` as for ``kept_page``. Raises ``Forbidden`` as
    ``record_json`` does.
    """
    row, facts = read
    require(who, "read", info.name, facts)
    model = info.model
    body = (
        browse.as_feature(row, info, model=model)
        if format == "geojson"
        else browse.as_dict(row, model=model)
    )
    found = _encode(body)
    _answers.put(_record_key(where, version, info, record_id, who, format), found)
    return found


def kept_page(
    *,
    where: str,
    version: str | None,
    info: KindInfo,
    who: Principal,
    filters: browse.Filters,
    limit: int,
    offset: int,
    format: Format,
) -> bytes | None:
    """Return the page ``page_json`` keeps for these arguments, or None (no database asked).

    ``where`` is the database's URL as its engine writes it; ``version`` the
    data version read before (None when none was: then nothing is looked for).
    A server answers a kept page without a worker thread; on None it calls
    ``page_json``.
    """
    if version is None:
        return None
    scope = read_scope(who, info.name)
    return _answers.get(_page_key(where, version, info, scope, filters, limit, offset, format))


def kept_record(
    *,
    where: str,
    version: str | None,
    info: KindInfo,
    record_id: int,
    who: Principal,
    format: Format,
) -> bytes | None:
    """Return the record ``record_json`` keeps for ``who``, or None (as ``kept_page``)."""
    if version is None:
        return None
    return _answers.get(_record_key(where, version, info, record_id, who, format))


def _page_key(
    where: str,
    version: str,
    info: KindInfo,
    scope: object,
    filters: browse.Filters,
    limit: int,
    offset: int,
    format: Format,
) -> tuple[object, ...]:
    return ("page", where, version, info.name, scope, filters, limit, offset, format)


def _record_key(
    where: str, version: str, info: KindInfo, record_id: int, who: Principal, format: Format
) -> tuple[object, ...]:
    return ("record", where, version, info.name, record_id, who, format)


def _where(session: Session) -> str:
    return str(session.get_bind().engine.url)


def _encode(body: dict[str, Any]) -> bytes:
    # As FastAPI's JSONResponse writes it, so a kept answer reads as a fresh one.
    return json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()
