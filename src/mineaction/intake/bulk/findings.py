"""Findings in bulk: a chunk of rows parsed and checked column by column.

A row is *clean* when every rule the per-row path applies to it (the column
parsers, the findings service, the references, the position and its
district) is certain to accept it; only clean rows are written in bulk.
Every other row is left to the per-row code, which explains what is wrong
(or, for the rare row that only looks odd, writes it as it always has).
The checks here never decide a refusal themselves, so the problems of an
import are word for word those of the per-row path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter, methodcaller
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

from mineaction.domain.vocab import DATE_PRECISION, EO_CATEGORY
from mineaction.geo import Country
from mineaction.intake.bulk import cells
from mineaction.intake.bulk.cells import BAD
from mineaction.intake.bulk.lookups import AMBIGUOUS, NO_DISTRICT, Lookups
from mineaction.intake.readers.base import Chunk, ColumnChunk, SourceRow

#: The largest quantity both backends store in an INTEGER column.
MAX_QUANTITY = 2**31 - 1

Bools = npt.NDArray[np.bool_]


@dataclass
class ParsedFindings:
    """One chunk of findings, column by column; ``clean`` says which rows go in bulk."""

    clean: Bools
    source_id: list[str | None]
    found_date: list[Any]
    date_precision: list[str]
    category: list[str | None]
    model: list[str | None]
    quantity: list[Any]
    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    organisation_id: list[Any]
    admin_area_id: list[Any]
    activity_id: list[Any]


def parse_findings(
    rows: Chunk, lookups: Lookups, country: Country | None, today: dt.date
) -> ParsedFindings:
    """Return the chunk ``rows`` parsed, with the rows that are clean marked."""
    if isinstance(rows, ColumnChunk):  # read without problems, no NUL in any cell
        table = {n: rows.columns[n] for n in COLUMNS if n in rows.columns}
        clean = np.ones(len(rows), dtype=bool)
    else:
        table = _columns(rows)
        clean = np.array([not r.problems for r in rows], dtype=bool)
        # A NUL character is a problem of its row (intake.columns.parse_text): the per-row
        # code says so.
        clean &= _without_nul(rows, table)

    def column(name: str) -> list[Any]:
        return table[name] if name in table else [None] * len(rows)

    source_id = cells.texts(column("id"))
    found_date = cells.dates(column("date"))
    clean &= _passing(found_date, lambda d: isinstance(d, dt.date) and d <= today)
    precision = [p or "day" for p in cells.codes(column("date_precision"))]
    clean &= _passing(precision, DATE_PRECISION.__contains__)
    category = cells.codes(column("category"))
    clean &= _passing(category, lambda c: c is not None and c in EO_CATEGORY)
    model = cells.labels(column("model"))
    quantity = cells.wholes(column("quantity"))
    clean &= _passing(quantity, lambda q: q is not None and q is not BAD and 1 <= q <= MAX_QUANTITY)
    lon = cells.numbers(column("lon"))
    lat = cells.numbers(column("lat"))
    if not isinstance(rows, ColumnChunk):
        _take_file_points(rows, lon, lat)
    clean &= _flags(
        x is not BAD and y is not BAD and (x is None) == (y is None)
        for x, y in zip(lon, lat, strict=True)
    )

    refused = lookups.refused
    organisation_id = lookups.organisation_ids(cells.labels(column("operator")))
    area_id = lookups.district_ids(cells.labels(column("district")))
    activity_id = lookups.activity_ids(cells.labels(column("activity_id")))
    clean &= _flags(
        o is not refused and a is not refused and t is not refused
        for o, a, t in zip(organisation_id, area_id, activity_id, strict=True)
    )
    x = np.array([v if isinstance(v, float) else np.nan for v in lon], dtype=np.float64)
    y = np.array([v if isinstance(v, float) else np.nan for v in lat], dtype=np.float64)
    placed = np.isfinite(x) & np.isfinite(y)
    named = np.array([a is not None for a in area_id], dtype=bool)
    clean &= placed | named  # a finding needs a position or a district
    clean &= ~placed | _valid_positions(x, y, country)
    # A named district must hold the position; the per-row code decides the ones it
    # does not cover, with the tolerance in metres (boundaries are simplified).
    both = np.flatnonzero(clean & placed & named)
    if len(both):
        clean[both] = lookups.areas_cover([area_id[i] for i in both], x[both], y[both])
    derive = clean & placed & ~named
    if derive.any():
        found = lookups.districts_at(x[derive], y[derive])
        for i, district in zip(np.flatnonzero(derive), found.tolist(), strict=True):
            if district == AMBIGUOUS:
                clean[i] = False
            else:
                area_id[i] = None if district == NO_DISTRICT else district
    return ParsedFindings(
        clean=clean,
        source_id=source_id,
        found_date=found_date,
        date_precision=precision,
        category=category,
        model=model,
        quantity=quantity,
        lon=x,
        lat=y,
        organisation_id=organisation_id,
        admin_area_id=area_id,
        activity_id=activity_id,
    )


#: The columns a finding's row may have (the others are the per-row code's to refuse).
COLUMNS = (
    "id", "date", "date_precision", "category", "model", "quantity", "lon", "lat",
    "operator", "district", "activity_id",
)  # fmt: skip


def _columns(rows: list[SourceRow]) -> dict[str, list[Any]]:
    """Return the cells of ``rows`` column by column (only the columns every row has)."""
    cells_of = [r.values for r in rows]
    names = [n for n in COLUMNS if all(n in v for v in cells_of[:1])]
    if not names or not cells_of:
        return {}
    try:
        by_row = list(map(itemgetter(*names), cells_of))
    except KeyError:  # rows that differ in their columns: each column on its own
        return {n: list(map(methodcaller("get", n), cells_of)) for n in names}
    if len(names) == 1:
        return {names[0]: by_row}
    return dict(zip(names, map(list, zip(*by_row, strict=True)), strict=True))


def _without_nul(rows: list[SourceRow], table: dict[str, list[Any]]) -> Bools:
    """Mark the rows none of whose text cells holds a NUL character.

    One look at each column of the chunk first (``table``, its cells as text,
    joined): when the rows have no other cells and no column holds a NUL,
    nearly always, no row needs a look of its own.
    """
    names = table.keys()
    if all(r.values.keys() <= names for r in rows) and not any(
        "\x00" in _joined(cells) for cells in table.values()
    ):
        return np.ones(len(rows), dtype=bool)
    return _flags(
        not any(isinstance(v, str) and "\x00" in v for v in r.values.values()) for r in rows
    )


def _joined(cells: list[Any]) -> str:
    """Return a column's cells joined (text as it is, the others as ``str``) for one look."""
    try:
        return "".join(filter(None, cells))  # a CSV's cells: text or None, no call per cell
    except TypeError:
        return "".join(map(str, cells))


def _flags(values: Any) -> Bools:
    return np.fromiter(values, dtype=bool)


def _passing(values: list[Any], ok: Callable[[Any], bool]) -> Bools:
    """Mark the rows whose value passes ``ok``, asked once per distinct value.

    A parsed column holds few distinct values of one type (and None or
    ``BAD``), so a set of them is cheaper than a call per row.
    """
    try:
        failing = {v for v in set(values) if not ok(v)}
    except TypeError:  # a value that cannot go in a set
        return _flags(ok(v) for v in values)
    if not failing:
        return np.ones(len(values), dtype=bool)
    return _flags(v not in failing for v in values)


def _take_file_points(rows: list[SourceRow], lon: list[Any], lat: list[Any]) -> None:
    """Take a row's own point as its position when lon is empty (as the per-row path does)."""
    for i, row in enumerate(rows):
        geom = row.geometry
        if geom is not None and lon[i] is None and geom.geom_type == "Point":
            lon[i], lat[i] = float(geom.x), float(geom.y)


def _valid_positions(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], country: Country | None
) -> Bools:
    """Mark positions that are surely valid: in range and, with a country, inside it.

    A point on the country's boundary or within its tolerance outside is not
    marked: the per-row code decides it, with the tolerance in metres.
    """
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(x) & np.isfinite(y) & (np.abs(x) <= 180.0) & (np.abs(y) <= 90.0)
    if country is not None and ok.any():
        inside = shapely.contains_xy(country.geometry, x[ok], y[ok])
        ok[np.flatnonzero(ok)] = inside
    return ok
