"""The polygon field of record forms, without a browser: what the map posts is what is kept.

Leyla, MES's data officer, records land released as a polygon; a bowtie, a
polygon outside Azerbaijan or one outside the district named is refused with
the import's words, next to the field.
"""

from __future__ import annotations

import csv
import html
import re
from pathlib import Path
from typing import Any

import pytest
import shapely
from fastapi.testclient import TestClient
from sqlalchemy import select

from mineaction.intake.pipeline import ImportRefused
from mineaction.services.catalogue import KINDS
from mineaction.services.imports import import_upload
from mineaction.services.policy import Principal
from mineaction.store.tables import Organisation
from tests.api.conftest import World

HTML = {"Accept": "text/html"}
SQUARE = "POLYGON ((46.93 39.99, 46.932 39.99, 46.932 39.992, 46.93 39.992, 46.93 39.99))"
BOWTIE = "POLYGON ((46.93 39.99, 46.932 39.992, 46.932 39.99, 46.93 39.992, 46.93 39.99))"
ABROAD = "POLYGON ((2.35 48.85, 2.36 48.85, 2.36 48.86, 2.35 48.85))"


def _release(
    client: TestClient, csrf: str, geometry: str, then: str = "submit", district: str = ""
) -> Any:
    row = {"date": "2024-05-02", "operator": "MES", "method": "cleared", "geometry": geometry}
    row |= {"district": district} if district else {}
    return client.post(
        "/records/land-releases/new",
        data=row | {"csrf_token": csrf, "then": then},
        headers=HTML,
        follow_redirects=False,
    )


def test_the_form_of_a_polygon_kind_has_the_drawing_map(world: World) -> None:
    page = world.client("leyla").get("/records/land-releases/new", headers=HTML)
    assert page.status_code == 200
    assert 'id="draw-map"' in page.text and "draw-polygon.js" in page.text
    assert '<textarea name="geometry" id="field-geometry"' in page.text
    point_form = world.client("leyla").get("/records/findings/new", headers=HTML)
    assert "draw-polygon.js" not in point_form.text and "pick-point.js" in point_form.text


def test_the_polygon_posted_is_the_polygon_kept(world: World) -> None:
    client, csrf = world.signed_in("leyla")
    answer = _release(client, csrf, SQUARE, then="draft")
    assert answer.status_code == 303, answer.text[:2000]
    record_id = int(answer.headers["location"].rsplit("/", 1)[1])
    with world.db.session() as s:
        release = s.get_one(KINDS["land-releases"].model, record_id)
        assert release.approval == "draft"
        assert release.geom.equals(shapely.from_wkt(SQUARE))
    edit = client.get(f"/records/land-releases/{record_id}/edit", headers=HTML)
    kept = re.search(r'<textarea name="geometry"[^>]*>([^<]*)</textarea>', edit.text)
    assert kept and shapely.from_wkt(kept.group(1)).equals(shapely.from_wkt(SQUARE))


def _import_words(
    world: World, geometry: str, tmp_path: Path, district: str, field: str
) -> list[str]:
    """Return the reasons an import of the same row as a CSV file gives (a dry run)."""
    path = tmp_path / "release.csv"
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["date", "operator", "method", "geometry", "district"])
        writer.writerow(["2024-05-02", "MES", "cleared", geometry, district])
    leyla = Principal("leyla", "operator_officer", _mes_id(world))
    with pytest.raises(ImportRefused) as refused:
        import_upload(world.db, KINDS["land-releases"], path, who=leyla, dry_run=True)
    return [p.reason for p in refused.value.report.problems if p.field == field]


def _mes_id(world: World) -> int:
    with world.db.session() as s:
        return s.scalars(select(Organisation.id).where(Organisation.code == "MES")).one()


@pytest.mark.parametrize(
    ("shape", "district", "field", "words"),
    [
        (BOWTIE, "", "geometry", "crosses itself"),
        (ABROAD, "", "geometry", "outside"),
        (SQUARE, "Fuzuli", "district", "not in Fuzuli"),  # the square is in Aghdam
    ],
)
def test_a_wrong_polygon_is_refused_next_to_the_field_with_the_import_words(
    world: World, tmp_path: Path, shape: str, district: str, field: str, words: str
) -> None:
    client, csrf = world.signed_in("leyla")
    with world.db.session() as s:
        before = s.query(KINDS["land-releases"].model).count()
    answer = _release(client, csrf, shape, district=district)
    assert answer.status_code == 422
    shown = re.findall(rf'data-testid="problem-{field}">([^<—]*)', answer.text)
    expected = _import_words(world, shape, tmp_path, district, field)
    assert expected and [html.unescape(s).strip() for s in shown] == expected
    assert words in expected[0]
    assert shape in answer.text  # the drawing comes back, to be corrected
    with world.db.session() as s:
        assert s.query(KINDS["land-releases"].model).count() == before
