"""Which columns of an ODK Central or Kobo export to keep, and what to call them.

``plan_columns`` returns one ``(name, source column, part)`` per output column;
``part`` is None for a plain copy, ``"number"`` for a coordinate already in its
own column, or ``lat``/``lon``/``alt``/``acc`` for a piece of a geopoint text.
"""

from __future__ import annotations

import re
from collections import Counter

__all__ = ["KEPT_METADATA", "plan_columns"]

#: Metadata columns kept, under these names.
KEPT_METADATA = {
    "meta/instanceID": "instance_id",
    "meta-instanceID": "instance_id",
    "instanceID": "instance_id",
    "KEY": "key",
    "PARENT_KEY": "parent_key",
    "_index": "key",
    "_parent_index": "parent_key",
    "_submission__uuid": "submission_uuid",
}
_CENTRAL = {
    "SubmissionDate",
    "SubmitterID",
    "SubmitterName",
    "AttachmentsPresent",
    "AttachmentsExpected",
    "Status",
    "ReviewState",
    "DeviceID",
    "Edits",
    "FormVersion",
}
_KOBO = {
    "_id",
    "_uuid",
    "_submission_time",
    "_validation_status",
    "_notes",
    "_status",
    "_submitted_by",
    "_tags",
    "_xform_id_string",
    "_attachments",
    "_geolocation",
    "_parent_table_name",
    "__version__",
    "formhub/uuid",
}
_KOBO_POINT = re.compile(r"^_(?P<base>.+)_(?P<part>latitude|longitude|altitude|precision)$")
_CENTRAL_POINT = re.compile(r"^(?P<base>.+)-(?P<part>Latitude|Longitude|Altitude|Accuracy)$")
_PART = {
    "latitude": "lat",
    "longitude": "lon",
    "altitude": "alt",
    "precision": "acc",
    "Latitude": "lat",
    "Longitude": "lon",
    "Altitude": "alt",
    "Accuracy": "acc",
}

Plan = list[tuple[str, str, str | None]]


def plan_columns(columns: list[str], text_geopoints: set[str]) -> Plan:
    """Return the output columns for an export with ``columns``.

    ``text_geopoints`` names the columns holding "lat lon alt acc" text.
    """
    present = set(columns)
    central = bool(present & {"KEY", "SubmissionDate", "meta-instanceID"})
    kobo = bool(present & {"_uuid", "_index", "_submission_time", "_parent_index"})
    split: dict[str, list[tuple[str, str]]] = {}  # geopoint path → [(part, source column)]
    for col in columns:
        match = (_KOBO_POINT.match(col) if kobo else None) or _CENTRAL_POINT.match(col)
        if match and (match.re is _CENTRAL_POINT or match["base"] in present):
            split.setdefault(match["base"], []).append((_PART[match["part"]], col))
    companions = {col for parts in split.values() for _part, col in parts}

    entries: list[tuple[str, str, str | None]] = []  # (path, source column, part)
    for col in columns:
        if col in KEPT_METADATA:
            entries.append((KEPT_METADATA[col], col, None))
        elif _dropped(col, central=central, kobo=kobo) or col in companions:
            continue
        elif col in split:  # Kobo: the text geopoint, replaced by its companions
            entries.extend((f"{col}_{part}", src, "number") for part, src in split[col])
        elif col in text_geopoints:
            entries.extend((f"{col}_{part}", col, part) for part in ("lat", "lon", "alt", "acc"))
        else:
            entries.append((col, col, None))
    for base, parts in split.items():  # ODK Central: companions without a text column
        if base not in present:
            at = _position(entries, parts[0][1], columns)
            entries[at:at] = [(f"{base}_{part}", src, "number") for part, src in parts]
    return _short_names(entries)


def _dropped(col: str, *, central: bool, kobo: bool) -> bool:
    if col in ("__version__", "_uuid", "_submission_time", "SubmissionDate"):
        return True
    if col.startswith(("meta/", "meta-")):
        return True
    if central and col in _CENTRAL:
        return True
    return kobo and (col in _KOBO or col.startswith("_submission_"))


def _position(entries: list[tuple[str, str, str | None]], src: str, columns: list[str]) -> int:
    """Return where a column taken from ``src`` belongs among the entries (source order)."""
    order = {c: i for i, c in enumerate(columns)}
    return sum(1 for _path, s, _part in entries if order[s] < order[src])


def _short_names(entries: list[tuple[str, str, str | None]]) -> Plan:
    """Return the entries with group prefixes stripped where that makes no name twice."""
    short = [_last_segment(path) for path, _src, _part in entries]
    counts = Counter(short)
    return [
        (name if counts[name] == 1 else path, src, part)
        for name, (path, src, part) in zip(short, entries, strict=True)
    ]


def _last_segment(path: str) -> str:
    """Return a field's name without its groups: ``a/b/c`` → ``c``, ``a-b-c`` → ``c``."""
    return path.rsplit("/", 1)[-1] if "/" in path else path.rsplit("-", 1)[-1]
