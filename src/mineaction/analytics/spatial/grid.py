"""An index of millions of points kept as two coordinate arrays: strips sorted by x.

The in-process joins need, for each polygon, the points in its box.  An
STRtree gives them, but only over Shapely points: making two million of
them, and the tree, costs more than every exact test that follows
(``bench/bench_records.py``).  ``PointGrid`` sorts the coordinates once into
horizontal strips, each by x, so that the points of a box are one slice of
the sorted arrays per strip the box spans, found by binary search: no
geometry is made, and the exact tests (``shapely.intersects_xy`` and, for
the few points that need it, ``dwithin``) read the coordinates in place.

>>> import numpy as np
>>> grid = PointGrid(np.array([0.0, 5.0, 50.0, 7.0]), np.array([0.0, 5.0, 50.0, 300.0]))
>>> box, point = grid.candidates(np.array([[-1.0, -1.0, 10.0, 10.0]]))
>>> sorted(point.tolist())
[0, 1]
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["PointGrid"]

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]

#: Height of a strip in the points' units (metres): the side of the nearest record's cells
#: (``nearest.CELL``), so that a verification measures the points in the grid's order
#: without sorting them again; boxes a few strips high still find their points in a few
#: slices (100 m strips were no faster for the hazards).
STRIP = 250.0
#: Candidate pairs made at a time (bounds the memory of a join over many boxes).
CHUNK = 4_000_000


class PointGrid:
    """Points ``x``, ``y`` sorted by strip of height ``strip``, then by x within a strip.

    ``order`` maps a sorted position to the point's index; ``xs``/``ys`` are
    the coordinates in that order.
    """

    def __init__(self, x: Floats, y: Floats, strip: float = STRIP) -> None:
        self.x, self.y, self.strip = x, y, strip
        n = len(x)
        self.x0 = float(x.min()) if n else 0.0
        self.y0 = float(y.min()) if n else 0.0
        # One float key: strip number × (a width wider than the data) + x.  Rounding can
        # misplace a point by a few 1e-8 units at a box's edge: boxes are grown by more.
        self.width = (float(x.max()) - self.x0 if n else 0.0) * 2 + 1e6
        self.row = self._rows(y)
        key = self.row * self.width + (x - self.x0)
        # Points of equal key may come in any order (numpy's SIMD sort: 4x a stable one).
        self.order = np.argsort(key).astype(np.int64)
        self.key = key[self.order]
        self.xs, self.ys = x[self.order], y[self.order]
        self.rows = int(self.row.max()) + 1 if n else 0

    def __len__(self) -> int:
        return len(self.x)

    def _rows(self, y: Floats) -> Ints:
        return np.floor((y - self.y0) / self.strip).astype(np.int64)

    def candidates(self, boxes: Floats, *, chunk: int | None = None) -> tuple[Ints, Ints]:
        """Return (box, point) index pairs: the point lies in the box (``minx, miny, maxx, maxy``).

        Every point in a box is returned (edges included); a few just outside
        one (by less than 1e-6 of the data's width) may be too, so the caller
        tests each pair exactly anyway.  Pairs come box by box.
        """
        empty = np.empty(0, np.int64)
        if len(self) == 0 or len(boxes) == 0:
            return empty, empty
        slop = 1e-6 * self.width
        first = np.maximum(self._rows(boxes[:, 1]), 0)
        last = np.minimum(self._rows(boxes[:, 3]), self.rows - 1)
        spans = np.maximum(last - first + 1, 0)
        box = np.repeat(np.arange(len(boxes), dtype=np.int64), spans)
        row = _ramp(spans) + first[box]
        base = row * self.width - self.x0
        lo = np.searchsorted(self.key, base + boxes[box, 0] - slop, side="left")
        hi = np.searchsorted(self.key, base + boxes[box, 2] + slop, side="right")
        counts = np.maximum(hi - lo, 0)
        boxes_out, points_out = [empty], [empty]  # no box may span a strip of points
        ends = np.cumsum(counts)
        limit = chunk or CHUNK
        start = 0
        while start < len(counts):  # slices of the strips, about ``limit`` points at a time
            stop = max(int(np.searchsorted(ends, ends[start] - counts[start] + limit)), start + 1)
            b, p = self._expand(box[start:stop], lo[start:stop], counts[start:stop], boxes)
            boxes_out.append(b)
            points_out.append(p)
            start = stop
        return np.concatenate(boxes_out), np.concatenate(points_out)

    def _expand(self, box: Ints, lo: Ints, counts: Ints, boxes: Floats) -> tuple[Ints, Ints]:
        """Return the (box, point) pairs of strip slices ``lo`` … ``lo + counts``, y tested."""
        pos = _ramp(counts) + np.repeat(lo, counts)
        pair_box = np.repeat(box, counts)
        y = self.ys[pos]
        inside = (y >= boxes[pair_box, 1]) & (y <= boxes[pair_box, 3])
        return pair_box[inside], self.order[pos[inside]]


def _ramp(counts: Ints) -> Ints:
    """Return 0 … c-1 for each count c, one after the other (``[2, 3]`` → 0 1 0 1 2)."""
    total = int(counts.sum())
    starts = np.cumsum(counts) - counts
    return np.arange(total, dtype=np.int64) - np.repeat(starts, counts)
