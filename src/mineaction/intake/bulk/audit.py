"""The audit rows of findings written in bulk: what ``store/history.py`` writes for an insert.

Every record the bulk path writes gets the row the ORM's history hook would
have written: action "create", version 1, ``before`` null and ``after`` the
whole record as ``history.snapshot`` makes it.  The ``after`` text is built
column by column instead of by a ``json.dumps`` per row: each column's values
encoded as JSON at once (whole numbers, dates and plain ASCII texts by Arrow;
anything else, or a text to escape, by Python), then joined row by row with
the keys between them by Arrow, outside Python's lock.  It is exactly the text
``json.dumps`` (SQLAlchemy's JSON type) stores.  The
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
from typing import Any, TypeAlias

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
from sqlalchemy import inspect

from mineaction.store.history import NOT_IN_HISTORY, to_json_value
from mineaction.store.tables import Finding

#: The columns of a finding's audit snapshot, in the order history.snapshot lists them.
SNAPSHOT_KEYS = [a.key for a in inspect(Finding).column_attrs if a.key not in NOT_IN_HISTORY]

#: JSON's null, as the JSON type stores None (``before`` of a created record).
JSON_NULL = "null"


def finding_audit_rows(
    values: Mapping[str, Any],
    geom_wkt: pa.Array,
    *,
    session_info: Mapping[str, Any],
    now: dt.datetime,
) -> tuple[dict[str, Any], pa.Array]:
    """Return the audit-log columns for the findings ``values``, and each ``after`` canonically.

    ``values`` holds the findings' columns as the writer stores them (a list
    per column, or one value for all rows); ``geom_wkt`` their positions as
    WKT (Arrow texts, null for none).  ``before`` and ``after`` are JSON
    text, ready for the store; the canonical texts (an Arrow array of
    strings) are what ``audit_chain.json_text`` makes of each ``after``.
    """
    n = len(values["id"])
    snapshot = {k: values[k] for k in SNAPSHOT_KEYS if k != "geom"}
    snapshot["geom"] = geom_wkt
    encoded = {k: _json_column(snapshot[k], n) for k in SNAPSHOT_KEYS}
    columns = {
        "at": now,
        "actor": str(session_info.get("actor", "system")),
        "action": "create",
        "kind": "findings",
        "record_id": values["id"],
        "record_version": 1,
        "before": JSON_NULL,
        "after": _objects(encoded, SNAPSHOT_KEYS, ", ", ": ", n),
        "note": session_info.get("note"),
    }
    return columns, _joined(encoded, sorted(SNAPSHOT_KEYS), ",", ":", n)


def snapshot_texts(columns: Mapping[str, Any], keys: Sequence[str], n: int) -> list[str]:
    """Return ``n`` JSON objects with ``keys`` in order, as ``json.dumps`` writes them."""
    return _objects({k: _json_column(columns[k], n) for k in keys}, keys, ", ", ": ", n)


#: A column's JSON texts: one text for every row, or each row's text.
Encoded: TypeAlias = "str | pa.Array"


def _objects(
    encoded: Mapping[str, Encoded], keys: Sequence[str], comma: str, colon: str, n: int
) -> list[str]:
    """Return one JSON object per row from each key's encoded values, keys in ``keys`` order."""
    texts: list[str] = _joined(encoded, keys, comma, colon, n).to_pylist()
    return texts


def _joined(
    encoded: Mapping[str, Encoded], keys: Sequence[str], comma: str, colon: str, n: int
) -> pa.Array:
    """Return ``_objects`` as an Arrow array of strings.

    The text between two columns that vary (keys, punctuation, the values
    every row shares) is written once; Arrow joins it with the columns, row
    by row, outside Python's lock.
    """
    parts: list[Encoded] = []
    literal = "{"
    for i, k in enumerate(keys):
        literal += f"{comma if i else ''}{encode_basestring_ascii(k)}{colon}"
        value = encoded[k]
        if isinstance(value, str):
            literal += value
        else:
            parts += [literal, value]
            literal = ""
    literal += "}"
    if not parts:
        return pa.array([literal] * n, type=pa.string())
    return pc.binary_join_element_wise(*parts, literal, "")


def _json_column(value: Any, n: int) -> Encoded:
    """Return a column's values as JSON text: one text for all rows, or an Arrow array of texts.

    ``value`` is a list of the rows' values, Arrow texts, or one value for every row.
    """
    if isinstance(value, pa.Array) and pa.types.is_string(value.type):
        if not _escaped(value):
            return _or_null(_quoted(value))
        value = value.to_pylist()
    if not isinstance(value, list):
        return json.dumps(to_json_value(value))
    kinds = set(map(type, value))
    try:
        if kinds <= {int, type(None)}:
            return _or_null(pc.cast(pa.array(value, type=pa.int64()), pa.string()))
        if kinds <= {str, type(None)}:
            texts = pa.array(value, type=pa.string())
            if not _escaped(texts):
                return _or_null(_quoted(texts))
            return pa.array([JSON_NULL if v is None else encode_basestring_ascii(v) for v in value])
        if kinds <= {dt.date, type(None)}:
            return _or_null(_quoted(pc.cast(pa.array(value, type=pa.date32()), pa.string())))
    except OverflowError:  # a whole number past 64 bits: written by Python below
        pass
    return pa.array([json.dumps(to_json_value(v)) for v in value], type=pa.string())


def _escaped(texts: pa.Array) -> bool:
    """Whether ``encode_basestring_ascii`` writes any character of ``texts`` other than as is.

    A quote, a backslash, a control character or anything outside ASCII (and
    DEL, to be safe): one look at the UTF-8 bytes of all the texts at once.
    """
    offsets = np.frombuffer(texts.buffers()[1], dtype=np.int32)[texts.offset :][: len(texts) + 1]
    data = texts.buffers()[2]
    if data is None or offsets[-1] == offsets[0]:
        return False
    raw = np.frombuffer(data, dtype=np.uint8)[offsets[0] : offsets[-1]]
    return bool(((raw < 0x20) | (raw > 0x7E) | (raw == 0x22) | (raw == 0x5C)).any())


def _quoted(texts: pa.Array) -> pa.Array:
    return pc.binary_join_element_wise('"', texts, '"', "")


def _or_null(texts: pa.Array) -> pa.Array:
    return pc.fill_null(texts, JSON_NULL)
