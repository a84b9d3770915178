"""What the map draws for one view: the records in a box, simplified for the zoom.

The map asks, for each layer, the records whose bounding box meets the view
(through the spatial index, as every list does) and draws them. It needs
neither every column nor every vertex: a polygon is simplified to a tenth of
a screen pixel at the zoom asked for (so the outline drawn is the same) and
only the properties a popup shows come along. The GeoJSON is written from
the geometries in one vectorised pass, which keeps a tile of a national
data set within a few milliseconds of work.

At a low zoom a dense layer is drawn as clusters instead (counts per screen
cell, ``services.map_clusters``), and every layer's answer is kept in memory
under the data version (``services.data_version``), the view, the filters
and the reader's scope, so the tiles people pan back and forth over are
computed once per change of the data.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Sequence
from typing import Any, Literal

import numpy as np
import shapely
from sqlalchemy import LargeBinary, func, select, type_coerce
from sqlalchemy.orm import Session

from mineaction.errors import ValidationError
from mineaction.services import cluster_grid, data_version
from mineaction.services.answer_cache import AnswerCache
from mineaction.services.browse import Filters, filtered, require_view, scoped
from mineaction.services.catalogue import KindInfo
from mineaction.services.map_clusters import as_geojson, clusters_in_view
from mineaction.services.policy import ReadScope

#: The properties a map popup may show, when the kind has them.
POPUP_FIELDS = ("name", "name_az", "name_ru", "reference", "category", "method", "approval")
#: The most features one layer sends for one view.
MAX_FEATURES = 5000
#: A web map's tile edge in pixels (zoom z spans 360° in 256 · 2^z pixels).
TILE_PIXELS = 256
#: At this zoom and below, a view holding more than ``SPARSE`` records is drawn as clusters.
CLUSTER_MAX_ZOOM = 12
#: A view with at most this many records is drawn record by record at any zoom.
SPARSE = 1000
#: How a layer is drawn: ``auto`` chooses by zoom and density.
Mode = Literal["auto", "features", "clusters"]
#: The answers kept per server process (a zoom-10 tile of clusters is a few kB).
_answers = AnswerCache(max_bytes=64 * 2**20)


def tolerance(zoom: int) -> float:
    """Return the simplification tolerance in degrees at ``zoom``: a tenth of a pixel.

    >>> round(tolerance(10), 7)
    0.0001373
    """
    return 360.0 / (TILE_PIXELS * 2**zoom) / 10


def layer_in_view(
    session: Session,
    info: KindInfo,
    *,
    scope: ReadScope,
    filters: Filters,
    zoom: int,
    limit: int = MAX_FEATURES,
    mode: Mode = "auto",
    version: str | None = None,
) -> bytes:
    """Return the layer of ``info`` for the view ``filters.bbox`` as GeoJSON (UTF-8).

    With ``mode="auto"`` a view at ``CLUSTER_MAX_ZOOM`` or below that holds
    more than ``SPARSE`` records is sent as clusters (``"clustered": true``,
    one point per screen cell with its ``count``); otherwise, and always with
    ``mode="features"``, the records themselves (``features_in_view``).
    Reference layers everyone may read (districts) are never clustered.  The
    answer is kept for the same data version, view, filters and scope;
    ``version`` is the data version when the caller has read it already.
    """
    _check_view(info, filters)
    version = version or data_version.current(session)  # before the data it labels
    key = _layer_key(
        str(session.get_bind().engine.url), version, info, scope, filters, mode, zoom, limit
    )
    found = _answers.get(key)
    if found is None:
        found = _draw(
            session,
            info,
            scope=scope,
            filters=filters,
            zoom=zoom,
            limit=limit,
            mode=mode,
            version=version,
        )
        _answers.put(key, found)
    return found


def kept_layer(
    *,
    where: str,
    version: str | None,
    info: KindInfo,
    scope: ReadScope,
    filters: Filters,
    zoom: int,
    limit: int,
    mode: Mode,
) -> bytes | None:
    """Return the layer ``layer_in_view`` keeps for these arguments, or None.

    No database is asked: ``where`` is the database's URL as its engine writes
    it, ``version`` the data version read before (None: nothing is looked
    for).  A view ``layer_in_view`` refuses is refused here too.
    """
    _check_view(info, filters)
    if version is None:
        return None
    return _answers.get(_layer_key(where, version, info, scope, filters, mode, zoom, limit))


def _layer_key(
    where: str,
    version: str,
    info: KindInfo,
    scope: ReadScope,
    filters: Filters,
    mode: Mode,
    zoom: int,
    limit: int,
) -> tuple[Hashable, ...]:
    return (where, version, info.name, mode, zoom, limit, filters, scope)


def _check_view(info: KindInfo, filters: Filters) -> None:
    _geometry_of(info)
    require_view(filters.bbox)


def kept(key: Hashable, make: Callable[[], bytes]) -> bytes:
    """Return the map answer kept under ``key``, made with ``make`` when missing.

    For other layers (the risk map) to share this memory; ``key`` must hold
    everything the answer depends on.
    """
    return _answers.get_or_make(key, make)


def forget() -> None:
    """Forget every kept answer and grid (tests; a write already makes them unreachable)."""
    _answers.clear()
    cluster_grid.forget()


def _draw(
    session: Session,
    info: KindInfo,
    *,
    scope: ReadScope,
    filters: Filters,
    zoom: int,
    limit: int,
    mode: Mode,
    version: str,
) -> bytes:
    wants = "features" if info.public else mode
    if wants == "features" or (wants == "auto" and zoom > CLUSTER_MAX_ZOOM):
        return features_in_view(session, info, scope=scope, filters=filters, zoom=zoom, limit=limit)
    clusters = clusters_in_view(
        session, info, scope=scope, filters=filters, zoom=zoom, version=version
    )
    if wants == "auto" and sum(c.count for c in clusters) <= SPARSE:
        return features_in_view(session, info, scope=scope, filters=filters, zoom=zoom, limit=limit)
    return as_geojson(clusters)


def _geometry_of(info: KindInfo) -> str:
    """Return the name of the kind's geometry column; refuse a kind without one."""
    if info.geometry is None:
        raise ValidationError(
            f"{info.name} have no geometry to draw.",
            hint="Ask /api/map for a spatial kind (see /api/kinds).",
        )
    return info.geometry


def features_in_view(
    session: Session,
    info: KindInfo,
    *,
    scope: ReadScope,
    filters: Filters,
    zoom: int,
    limit: int = MAX_FEATURES,
) -> bytes:
    """Return a GeoJSON FeatureCollection (UTF-8) of the records of ``info`` in the view.

    ``filters.bbox`` is the view. Features are in id order; when more than
    ``limit`` records meet the view, the first ``limit`` are sent and
    ``"truncated": true`` says so.
    """
    geometry = _geometry_of(info)
    model = info.model
    fields = [f for f in POPUP_FIELDS if hasattr(model, f)]
    if info.status and info.status not in fields:
        fields.append(info.status)
    column = getattr(model, geometry)
    # Well-known binary straight from the database, decoded for all rows at once.
    wkb = func.ST_AsBinary(column) if session.get_bind().dialect.name == "postgresql" else column
    columns = [model.id, type_coerce(wkb, LargeBinary), *(getattr(model, f) for f in fields)]
    query = filtered(session, scoped(select(*columns), info, scope), info, filters)
    rows = session.connection().execute(query.order_by(model.id).limit(limit + 1)).all()
    truncated = len(rows) > limit
    rows = rows[:limit]
    return encode_features(
        [int(row[0]) for row in rows],
        [row[1] for row in rows],
        [_properties(fields, row[2:]) for row in rows],
        zoom=zoom,
        truncated=truncated,
    )


def encode_features(
    ids: list[int],
    wkbs: list[bytes],
    properties: Sequence[dict[str, Any] | str],
    *,
    zoom: int,
    truncated: bool,
) -> bytes:
    """Return a GeoJSON FeatureCollection (UTF-8) of WKB geometries, simplified for ``zoom``.

    Each feature's properties are a dict, or JSON text already written.
    """
    texts: list[str | None] = []
    if ids:
        geoms = shapely.from_wkb(np.array(wkbs, dtype=object))
        lines = ~np.isin(shapely.get_type_id(geoms), (0, 4))  # points stay as they are
        geoms[lines] = shapely.simplify(geoms[lines], tolerance(zoom), preserve_topology=True)
        texts = list(shapely.to_geojson(geoms))
    parts = [
        f'{{"type":"Feature","id":{i},"geometry":{text or "null"},'
        f'"properties":{props if isinstance(props, str) else json.dumps(props, default=str)}}}'
        for i, text, props in zip(ids, texts, properties, strict=True)
    ]
    head = json.dumps(
        {"type": "FeatureCollection", "numberReturned": len(parts), "truncated": truncated}
    )
    return (head[:-1] + ',"features":[' + ",".join(parts) + "]}").encode()


def _properties(fields: list[str], values: tuple[Any, ...]) -> dict[str, Any]:
    return {f: v for f, v in zip(fields, values, strict=True) if v is not None}
