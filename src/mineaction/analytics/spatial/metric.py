"""Metres on the ground: one transverse Mercator projection centred on the data.

Within 250 km of its central meridian a metre in this projection is a metre
on the ground to better than 0.1 %; ``relative_error`` bounds the difference
for data that reaches farther, so that a join measuring another way (the
PostGIS joins, in metres local to each polygon) knows which distances are
too close to call.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import Transformer

__all__ = ["Metric"]

Floats = npt.NDArray[np.float64]

#: Mean radius of the Earth in metres (for the projection's scale error only).
EARTH_RADIUS_M = 6_371_000.0


class Metric:
    """A transverse Mercator projection centred on ``lon0``/``lat0``: lon/lat ↔ metres."""

    def __init__(self, lon0: float, lat0: float) -> None:
        self.lon0, self.lat0 = lon0, lat0
        crs = f"+proj=tmerc +lon_0={lon0:.6f} +lat_0={lat0:.6f} +k=1 +datum=WGS84 +units=m"
        self._fwd = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        self._inv = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)

    def xy(self, lon: Floats, lat: Floats) -> tuple[Floats, Floats]:
        """Return arrays of lon/lat as arrays of metres."""
        x, y = self._fwd.transform(lon, lat)
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)

    def to_metres(self, geoms: Any) -> Any:
        """Return a geometry (or an array of them) in metres."""
        return shapely.transform(geoms, self._apply(self._fwd))

    def to_lonlat(self, geoms: Any) -> Any:
        """Return a geometry (or an array of them) in metres back in lon/lat."""
        return shapely.transform(geoms, self._apply(self._inv))

    @staticmethod
    def _apply(t: Transformer) -> Any:
        def move(coords: Floats) -> Floats:
            if len(coords) == 0:
                return coords
            x, y = t.transform(coords[:, 0], coords[:, 1])
            return np.column_stack([x, y])

        return move


def relative_error(x: Floats) -> float:
    """Return a bound on |projected distance ÷ ground distance − 1| for points at eastings ``x``.

    The transverse Mercator scale grows as 1 + x²/2R² away from the central
    meridian; the bound doubles that, and adds 0.5 % for the other way's own
    error and for edges that are straight in one system and slightly curved
    in the other (generous: it only widens the band of distances settled in
    these metres).
    """
    reach = float(np.abs(x).max()) if len(x) else 0.0
    return 0.005 + (reach / EARTH_RADIUS_M) ** 2
