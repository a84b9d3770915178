"""The positions of a chunk of findings in the forms the stores and the history take.

A chunk's positions are two float arrays; no shapely object is made per
point.  The encodings are those of the per-row path, byte for byte: WKB as
``shapely.to_wkb`` writes a 2D point (what ``store.types.Geometry`` stores
on SQLite), extended WKB with SRID 4326 in hex (what PostGIS reads in text
``COPY``), and WKT as ``store.history`` writes it into audit rows.

>>> import shapely
>>> chunk = Points.of(np.array([46.5, np.nan]), np.array([39.75, np.nan]))
>>> chunk.wkb()[0] == shapely.to_wkb(shapely.Point(46.5, 39.75)), chunk.wkb()[1]
(True, None)
>>> chunk.wkt().to_pylist()
['POINT (46.5 39.75)', None]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
import shapely

Floats = npt.NDArray[np.float64]

#: A 2D point as WKB: little-endian, type Point, x, y.
_WKB_POINT = np.dtype([("order", "u1"), ("type", "<u4"), ("x", "<f8"), ("y", "<f8")])
#: The same as extended WKB: the type carries the SRID flag and the SRID follows it.
_EWKB_POINT = np.dtype(
    [("order", "u1"), ("type", "<u4"), ("srid", "<u4"), ("x", "<f8"), ("y", "<f8")]
)


@dataclass(frozen=True)
class Points:
    """Positions by row; ``placed`` marks the rows that have one (the others store NULL)."""

    x: Floats
    y: Floats
    placed: npt.NDArray[np.bool_]

    @classmethod
    def of(cls, x: Floats, y: Floats) -> Points:
        """Return the positions (x, y); a row with a NaN coordinate has none."""
        return cls(x=x, y=y, placed=np.isfinite(x) & np.isfinite(y))

    def wkb(self) -> list[bytearray | None]:
        """Return each position as WKB (what the SQLite store keeps), or None.

        As ``bytearray``: Python's sqlite3 binds one as a BLOB at once, while
        ``bytes`` first goes through its adapter lookup (three times the cost
        of binding, with Python's lock held).
        """
        packed = np.zeros(int(self.placed.sum()), dtype=_WKB_POINT)
        packed["order"], packed["type"] = 1, 1
        packed["x"], packed["y"] = self.x[self.placed], self.y[self.placed]
        return self._spread(bytearray(packed.tobytes()), _WKB_POINT.itemsize)

    def ewkb_hex(self) -> list[str | None]:
        """Return each position as hex extended WKB with SRID 4326 (for PostGIS), or None."""
        packed = np.zeros(int(self.placed.sum()), dtype=_EWKB_POINT)
        packed["order"], packed["type"], packed["srid"] = 1, 0x20000001, 4326
        packed["x"], packed["y"] = self.x[self.placed], self.y[self.placed]
        return self._spread(packed.tobytes().hex().upper(), 2 * _EWKB_POINT.itemsize)

    def wkt(self) -> pa.Array:
        """Return each position as the history's WKT (full precision), or null, as Arrow texts.

        Shapely's WKT of a point whose coordinates are all between 1 and 1,000
        (whatever their sign) writes each one as its shortest round-trip text,
        as Arrow writes a number: Arrow then makes the texts, without a Python
        string per row (a million findings: 0.2 s less).  GEOS writes smaller
        numbers to a fixed number of decimals (``0.123247140210499`` for
        ``0.12324714021049904``), so a chunk with any of those, or a zero, is
        written by shapely.  ``test_bulk_store_forms.py`` holds both to shapely.
        """
        x, y = self.x[self.placed], self.y[self.placed]
        if _shortest_as_geos(x) and _shortest_as_geos(y):
            texts = pc.binary_join_element_wise("POINT (", _numbers(x), " ", _numbers(y), ")", "")
        else:
            texts = pa.array(shapely.to_wkt(shapely.points(x, y), rounding_precision=-1))
        if len(texts) == len(self.placed):
            return texts
        slot = np.cumsum(self.placed) - 1  # each row's place among the placed ones
        return texts.take(pa.array(slot, mask=~self.placed))

    def bounds(self) -> tuple[list[float | None], list[float | None]]:
        """Return the x and y of each position as the bounding-box columns take them."""
        xs = [v if p else None for v, p in zip(self.x.tolist(), self.placed.tolist(), strict=True)]
        ys = [v if p else None for v, p in zip(self.y.tolist(), self.placed.tolist(), strict=True)]
        return xs, ys

    def _spread(self, packed: bytearray | str, size: int) -> list[Any]:
        """Put the encodings of the placed rows (``size`` apart in ``packed``) at their rows."""
        rows = np.flatnonzero(self.placed).tolist()
        starts = range(0, len(rows) * size, size)
        if len(rows) == len(self.placed):  # every row placed: nothing to put in between
            return [packed[s : s + size] for s in starts]
        out: list[Any] = [None] * len(self.placed)
        for i, s in zip(rows, starts, strict=True):
            out[i] = packed[s : s + size]
        return out


def _shortest_as_geos(values: Floats) -> bool:
    """Whether GEOS writes each of ``values`` as its shortest round-trip text (see ``wkt``)."""
    magnitude = np.abs(values)
    return bool(((magnitude >= 1) & (magnitude < 1000)).all())


def _numbers(values: Floats) -> pa.Array:
    return pc.cast(pa.array(values, type=pa.float64()), pa.string())
