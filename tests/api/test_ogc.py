"""OGC API – Features, read by a real client (OWSLib) from the app served on loopback.

OWSLib keeps request headers in a module-level dict, so every client here
is made through ``_features``, which puts back the headers it found.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from owslib.ogcapi import REQUEST_HEADERS
from owslib.ogcapi.features import Features
from sqlalchemy import select

from mineaction.store.tables import Finding, Hazard
from tests.api.conftest import World, served


@pytest.fixture(scope="module")
def ogc_url(world: World) -> Iterator[str]:
    with served(world.app) as url:
        yield url + "/ogc"


@contextmanager
def _features(url: str, token: str | None) -> Iterator[Features]:
    saved = dict(REQUEST_HEADERS)
    REQUEST_HEADERS.pop("Authorization", None)
    try:
        yield Features(url, headers={"Authorization": f"Bearer {token}"} if token else None)
    finally:
        REQUEST_HEADERS.clear()
        REQUEST_HEADERS.update(saved)


def test_a_viewer_adds_layers_with_bbox_datetime_and_limit(world: World, ogc_url: str) -> None:
    with world.db.session() as s:
        everything = list(s.scalars(select(Finding).where(Finding.approval == "approved")))
        hazards = s.scalar(select(Hazard.id).order_by(Hazard.id).limit(1))
    box = (46.90, 39.95, 47.00, 40.05)
    expected = sorted(
        f.id
        for f in everything
        if box[0] <= f.geom.x <= box[2]
        and box[1] <= f.geom.y <= box[3]
        and f.found_date.year == 2023
    )
    with _features(ogc_url, world.tokens["rauf"]) as api:
        assert (
            "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
            in (api.conformance()["conformsTo"])
        )
        ids = {c["id"] for c in api.collections()["collections"]}
        assert {"hazards", "findings", "land-releases", "accidents", "districts"} <= ids
        page = api.collection_items(
            "findings", bbox=list(box), datetime_="2023-01-01/2023-12-31", limit=1000
        )
        assert sorted(f["id"] for f in page["features"]) == expected
        assert page["numberMatched"] == len(expected) > 0
        first = api.collection_items("findings", limit=2)
        assert first["numberReturned"] == 2 and any(lk["rel"] == "next" for lk in first["links"])
        one = api.collection_item("hazards", str(hazards))
        assert one["geometry"]["type"] == "MultiPolygon"


def test_the_public_sees_districts_and_never_a_hazard(world: World, ogc_url: str) -> None:
    with _features(ogc_url, None) as api:
        assert [c["id"] for c in api.collections()["collections"]] == ["districts"]
        assert api.collection_items("districts", limit=3)["numberReturned"] == 3
        for collection in ("hazards", "findings", "accidents"):
            with pytest.raises(RuntimeError):
                api.collection_items(collection, limit=1)
