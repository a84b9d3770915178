"""The pre-aggregated grid the map's clusters are added up from: counts per zoom-14 tile.

Counting the records of one zoom-10 tile row by row reads tens of thousands
of rows (a third of a second at national scale); adding up the cells of a
grid made once reads none.  The grid of one kind holds, for every zoom-14
tile with records, how many there are and the sums of their positions (the
centre of each record's bounding box); a tile at zoom 12 or below is made of
whole zoom-14 tiles, so its clusters are exact sums.

The grid counts every record of the kind, so it serves the readers who see
every record (``ReadScope.everything``) with no filter but the view; others
are counted from the rows.  Each server process makes a kind's grid when the
map first asks for it and again after the data changes (the data version;
``services.data_version``), but not more than once a minute: between, the
views of a changed kind are counted from the rows.  One thread makes it while
the others wait.  Making it reads the centre of every record of the kind
(2,000,000 findings: about 2 s of CPU).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from mineaction.services.catalogue import KindInfo

#: The zoom of the grid's cells: views up to zoom 12 are added up from them.
GRID_ZOOM = 14

#: Web-mercator's latitude limit; records beyond it fall in the first or last row of tiles.
MAX_LAT = 85.0511287798066


@dataclass(frozen=True)
class Cluster:
    """The records of one cell (the tile ``zoom/x/y``): how many, and their mean position."""

    zoom: int
    x: int
    y: int
    count: int
    lon: float
    lat: float


@dataclass(frozen=True)
class Cells:
    """Records counted per tile at ``zoom``: tile columns, rows, counts and coordinate sums.

    The arrays are sorted by column, then row.
    """

    zoom: int
    x: NDArray[np.int64]
    y: NDArray[np.int64]
    n: NDArray[np.int64]
    sx: NDArray[np.float64]
    sy: NDArray[np.float64]

    @classmethod
    def of_points(cls, lon: NDArray[np.float64], lat: NDArray[np.float64], zoom: int) -> Cells:
        """Count the points ``lon, lat`` per tile at ``zoom``."""
        x, y = tile_index(lon, lat, zoom)
        return cls.of_tiles(x, y, np.ones(len(x), np.int64), lon, lat, zoom)

    @classmethod
    def of_tiles(
        cls,
        x: NDArray[np.int64],
        y: NDArray[np.int64],
        n: NDArray[np.int64],
        sx: NDArray[np.float64],
        sy: NDArray[np.float64],
        zoom: int,
    ) -> Cells:
        """Add up counts and sums that share a tile (``x, y`` at ``zoom``)."""
        keys, where = np.unique(x * (1 << zoom) + y, return_inverse=True)
        size = len(keys)
        return cls(
            zoom,
            keys >> zoom,
            keys & ((1 << zoom) - 1),
            np.bincount(where, weights=n, minlength=size).astype(np.int64),
            np.bincount(where, weights=sx, minlength=size).astype(np.float64),
            np.bincount(where, weights=sy, minlength=size).astype(np.float64),
        )

    def within(self, zoom: int, tx: int, ty: int, cell_zoom: int) -> Cells:
        """Return the counts inside the tile ``zoom/tx/ty``, per tile at ``cell_zoom``.

        ``zoom`` <= ``cell_zoom`` <= this grid's zoom.
        """
        shift = self.zoom - zoom
        lo, hi = np.searchsorted(self.x, [tx << shift, (tx + 1) << shift])
        y = self.y[lo:hi]
        keep = (y >= ty << shift) & (y < (ty + 1) << shift)
        up = self.zoom - cell_zoom
        return Cells.of_tiles(
            self.x[lo:hi][keep] >> up,
            y[keep] >> up,
            self.n[lo:hi][keep],
            self.sx[lo:hi][keep],
            self.sy[lo:hi][keep],
            cell_zoom,
        )

    def clusters(self) -> list[Cluster]:
        """Return one cluster per non-empty tile."""
        return [
            Cluster(self.zoom, int(x), int(y), int(n), float(sx / n), float(sy / n))
            for x, y, n, sx, sy in zip(self.x, self.y, self.n, self.sx, self.sy, strict=True)
        ]


def tile_index(
    lon: NDArray[np.float64], lat: NDArray[np.float64], zoom: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Return the column and row of the web-map tile at ``zoom`` holding each point.

    >>> [int(v[0]) for v in tile_index(np.array([46.93]), np.array([39.99]), 10)]
    [645, 387]
    """
    n = 1 << zoom
    x = np.floor((lon + 180.0) / 360.0 * n)
    phi = np.radians(np.clip(lat, -MAX_LAT, MAX_LAT))
    y = np.floor((1.0 - np.arcsinh(np.tan(phi)) / math.pi) / 2.0 * n)
    return np.clip(x, 0, n - 1).astype(np.int64), np.clip(y, 0, n - 1).astype(np.int64)


#: A grid is made again at most this often; in between, a changed kind is counted from rows.
REMAKE_SECONDS = 60.0
#: Rows read at a time while making a grid.
CHUNK = 20_000

_grids: dict[tuple[str, str], tuple[str, Cells, float]] = {}
_locks: dict[tuple[str, str], threading.Lock] = {}
_guard = threading.Lock()


def fine_counts(session: Session, info: KindInfo, *, version: str) -> Cells | None:
    """Return the grid of ``info`` for data version ``version``, making it if need be.

    Return None when the grid was made less than ``REMAKE_SECONDS`` ago for an
    older version: while the data changes often, making it after every write
    would cost more than counting the rows of the views asked for.
    """
    key = (str(session.get_bind().engine.url), info.name)
    with _guard:
        lock = _locks.setdefault(key, threading.Lock())
    with lock:
        found = _grids.get(key)
        if found is not None and found[0] == version:
            return found[1]
        if found is not None and time.monotonic() - found[2] < REMAKE_SECONDS:
            return None
        grid = _count(session, info)
        _grids[key] = (version, grid, time.monotonic())
        return grid


def _count(session: Session, info: KindInfo) -> Cells:
    """Count every record of ``info`` per zoom-14 tile, reading the rows in chunks.

    Between chunks the process's other threads run (uvicorn's supervisor kills
    a worker whose health check goes unanswered for 5 s).
    """
    table = info.model.__tablename__
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    cursor.execute(  # the table's name comes from the catalogue, never from a request
        f"SELECT (min_x + max_x) / 2.0, (min_y + max_y) / 2.0 FROM {table} WHERE min_x IS NOT NULL"
    )
    parts: list[Cells] = []
    try:
        while rows := cursor.fetchmany(CHUNK):
            points = np.array(rows, dtype=np.float64).reshape(-1, 2)
            parts.append(Cells.of_points(points[:, 0], points[:, 1], GRID_ZOOM))
            time.sleep(0)  # let the other threads in
    finally:
        cursor.close()
    if not parts:
        empty = np.zeros(0, np.int64)
        return Cells(
            GRID_ZOOM, empty, empty, empty, empty.astype(np.float64), empty.astype(np.float64)
        )
    return Cells.of_tiles(
        np.concatenate([p.x for p in parts]),
        np.concatenate([p.y for p in parts]),
        np.concatenate([p.n for p in parts]),
        np.concatenate([p.sx for p in parts]),
        np.concatenate([p.sy for p in parts]),
        GRID_ZOOM,
    )


def forget() -> None:
    """Forget every grid (tests)."""
    with _guard:
        _grids.clear()
