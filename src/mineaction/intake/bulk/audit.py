"""The audit rows of findings written in bulk: what ``store/history.py`` writes for an insert.

Every record the bulk path writes gets the row the ORM's history hook would
have written: action "create", version 1, ``before`` null and ``after`` the
whole record as ``history.snapshot`` makes it.  The ``after`` text is built
column by column from a template instead of by a ``json.dumps`` per row; it
is exactly the text ``json.dumps`` (SQLAlchemy's JSON type) stores.  The
same encoded values also give each entry's canonical text (sorted keys, no
spaces), which the audit chain hashes (``store/audit_chain.py``).

>>> snapshot_texts({"id": [7, 8], "source_id": ["A", None]}, ["id", "source_id"], 2)
['{"id": 7, "source_id": "A"}', '{"id": 8, "source_id": null}']
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from json.encoder import encode_basestring_ascii
from typing import Any

from sqlalchemy import inspect

from mineaction.store.history import NOT_IN_HISTORY, to_json_value
from mineaction.store.tables import Finding

#: The columns of a finding's audit snapshot, in the order history.snapshot lists them.
SNAPSHOT_KEYS = [a.key for a in inspect(Finding).column_attrs if a.key not in NOT_IN_HISTORY]

#: JSON's null, as the JSON type stores None (``before`` of a created record).
JSON_NULL = "null"


def finding_audit_rows(
    values: Mapping[str, Any],
    geom_wkt: Sequence[str | None],
    *,
    session_info: Mapping[str, Any],
    now: dt.datetime,
) -> tuple[dict[str, Any], list[str]]:
    """Return the audit-log columns for the findings ``values``, and each ``after`` canonically.

    ``values`` holds the findings' columns as the writer stores them (a list
    per column, or one value for all rows); ``geom_wkt`` their positions as
    WKT.  ``before`` and ``after`` are JSON text, ready for the store; the
    canonical texts are what ``audit_chain.json_text`` makes of each ``after``.
    """
    n = len(values["id"])
    snapshot = {k: values[k] for k in SNAPSHOT_KEYS if k != "geom"}
    snapshot["geom"] = list(geom_wkt)
    encoded = {k: _json_column(snapshot[k], n) for k in SNAPSHOT_KEYS}
    columns = {
        "at": now,
        "actor": str(session_info.get("actor", "system")),
        "action": "create",
        "kind": "findings",
        "record_id": values["id"],
        "record_version": 1,
        "before": JSON_NULL,
        "after": _objects(encoded, SNAPSHOT_KEYS, ", ", ": "),
        "note": session_info.get("note"),
    }
    return columns, _objects(encoded, sorted(SNAPSHOT_KEYS), ",", ":")


def snapshot_texts(columns: Mapping[str, Any], keys: Sequence[str], n: int) -> list[str]:
    """Return ``n`` JSON objects with ``keys`` in order, as ``json.dumps`` writes them."""
    return _objects({k: _json_column(columns[k], n) for k in keys}, keys, ", ", ": ")


def _objects(
    encoded: Mapping[str, list[str]], keys: Sequence[str], comma: str, colon: str
) -> list[str]:
    """Return one JSON object per row from each key's encoded values, keys in ``keys`` order.

    A key with the same text in every row (a constant, a column of nulls) is
    written into the template once instead of into each row.
    """
    n = len(encoded[keys[0]]) if keys else 0
    parts, columns = [], []
    for k in keys:
        values = encoded[k]
        head = f"{encode_basestring_ascii(k)}{colon}"
        if n and values.count(values[0]) == n:
            parts.append(head + values[0].replace("%", "%%"))
        else:
            parts.append(head + "%s")
            columns.append(values)
    template = "{" + comma.join(parts) + "}"
    if not columns:
        return [template % ()] * n
    return [template % row for row in zip(*columns, strict=True)]


def _json_column(value: Any, n: int) -> list[str]:
    """Return each value of a column as JSON text (one value: the same text ``n`` times)."""
    if not isinstance(value, list):
        return [json.dumps(to_json_value(value))] * n
    kinds = set(map(type, value))
    if kinds <= {int, type(None)}:
        return [JSON_NULL if v is None else int.__repr__(v) for v in value]
    if kinds <= {str, type(None)}:
        return [JSON_NULL if v is None else encode_basestring_ascii(v) for v in value]
    if kinds <= {dt.date, type(None)}:
        memo: dict[Any, str] = {None: JSON_NULL}
        return [
            memo[v] if v in memo else memo.setdefault(v, json.dumps(v.isoformat())) for v in value
        ]
    return [json.dumps(to_json_value(v)) for v in value]
