"""Writing a verification to GeoJSON or GeoPackage with the export writers.

GeoJSON holds one layer: the records with their class.  The GeoPackage holds
three (records, finds and accidents outside every record, proposed areas)
and a QGIS style per layer in ``layer_styles`` (QGIS applies it on opening:
records coloured by class).  Files are written under a temporary name and
moved into place when complete.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import numpy as np
from pyogrio import raw
from pyogrio.errors import DataLayerError, DataSourceError

from mineaction.analytics.verification.result import Verification
from mineaction.errors import ValidationError
from mineaction.intake.export.base import ExportFailed
from mineaction.intake.export.gis_writer import GeoJsonExporter, GpkgExporter

__all__ = ["CLASS_COLOURS", "write_gis"]

#: Fill colours of the classes (RGB), the same on the web map and in QGIS.
CLASS_COLOURS = {
    "accurate": (26, 150, 65),
    "partially_accurate": (253, 174, 97),
    "inaccurate": (215, 25, 28),
    "unverified": (150, 150, 150),
}


def write_gis(verification: Verification, path: Path, fmt: str, *, synthetic: bool) -> int:
    """Write ``verification`` as ``fmt`` (geojson or gpkg) to ``path``; return features written."""
    path = Path(path)
    if not path.parent.is_dir():
        raise ValidationError(
            f"Cannot write {path}: the folder {path.parent} does not exist.",
            hint="Create the folder first, or give a path in an existing one.",
        )
    about = {
        "title": "mineaction records verify",
        "period": f"{verification.start or 'start'} to {verification.end or 'today'}",
        "written": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "synthetic": "yes: synthetic demo data, not real" if synthetic else "no",
    }
    partial = path.with_name(f".{path.stem}.partial{path.suffix}")
    partial.unlink(missing_ok=True)
    exporter = (GpkgExporter if fmt == "gpkg" else GeoJsonExporter)(partial, about=about)
    try:
        written = exporter.write_layer(verification.records_layer())
        if fmt == "gpkg":
            written += exporter.write_layer(verification.outside_layer())
            written += exporter.write_layer(verification.proposed_layer())
            exporter.finish({})
            _write_styles(partial)
        os.replace(partial, path)
    except (OSError, DataSourceError, DataLayerError) as exc:
        exporter.discard()
        raise ExportFailed(
            f"{path.name} could not be written: {exc}",
            hint="Check that you may write in the folder and that the disk has room.",
        ) from exc
    except BaseException:
        exporter.discard()
        raise
    return written


def _write_styles(path: Path) -> None:
    """Add QGIS's ``layer_styles`` table: each layer's default style."""
    styles = [
        ("record_verification", "by class", _records_qml()),
        ("outside_records", "outside records", _points_qml()),
        ("proposed_areas", "proposed areas", _fill_qml((128, 0, 128), "0.35")),
    ]
    n = len(styles)
    text = lambda values: np.array(values, dtype=object)  # noqa: E731
    raw.write(
        str(path),
        geometry=None,
        field_data=[
            text([""] * n),
            text([""] * n),
            text([s[0] for s in styles]),
            text(["geom"] * n),
            text([s[1] for s in styles]),
            text([s[2] for s in styles]),
            text([""] * n),
            np.ones(n, dtype=np.int32),
            text(["mineaction"] * n),
            text(["mineaction"] * n),
        ],
        fields=[
            "f_table_catalog",
            "f_table_schema",
            "f_table_name",
            "f_geometry_column",
            "styleName",
            "styleQML",
            "styleSLD",
            "useAsDefault",
            "description",
            "owner",
        ],
        layer="layer_styles",
        driver="GPKG",
    )


def _symbol(name: str, kind: str, layer_class: str, props: dict[str, str]) -> str:
    options = "".join(f'<Option name="{k}" type="QString" value="{v}"/>' for k, v in props.items())
    legacy = "".join(f'<prop k="{k}" v="{v}"/>' for k, v in props.items())
    return (
        f'<symbol type="{kind}" name="{name}" alpha="1" clip_to_extent="1" force_rhr="0">'
        f'<layer class="{layer_class}" enabled="1" pass="0" locked="0">'
        f'<Option type="Map">{options}</Option>{legacy}</layer></symbol>'
    )


def _fill(name: str, rgb: tuple[int, int, int], alpha: str = "0.6") -> str:
    r, g, b = rgb
    return _symbol(
        name,
        "fill",
        "SimpleFill",
        {
            "color": f"{r},{g},{b},{round(float(alpha) * 255)}",
            "outline_color": f"{r},{g},{b},255",
            "outline_width": "0.6",
            "style": "solid",
        },
    )


def _qml(renderer: str) -> str:
    return (
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"
        f'<qgis version="3.28" styleCategories="Symbology">{renderer}</qgis>'
    )


def _records_qml() -> str:
    categories = "".join(
        f'<category symbol="{i}" value="{c}" label="{c.replace("_", " ")}" render="true"/>'
        for i, c in enumerate(CLASS_COLOURS)
    )
    symbols = "".join(_fill(str(i), rgb) for i, rgb in enumerate(CLASS_COLOURS.values()))
    return _qml(
        '<renderer-v2 type="categorizedSymbol" attr="class" symbollevels="0" '
        f'forceraster="0" enableorderby="0"><categories>{categories}</categories>'
        f"<symbols>{symbols}</symbols></renderer-v2>"
    )


def _fill_qml(rgb: tuple[int, int, int], alpha: str) -> str:
    return _qml(
        '<renderer-v2 type="singleSymbol" symbollevels="0" forceraster="0" enableorderby="0">'
        f"<symbols>{_fill('0', rgb, alpha)}</symbols></renderer-v2>"
    )


def _points_qml() -> str:
    marker = _symbol(
        "0",
        "marker",
        "SimpleMarker",
        {"color": "215,25,28,255", "name": "circle", "size": "2", "outline_color": "0,0,0,255"},
    )
    return _qml(
        '<renderer-v2 type="singleSymbol" symbollevels="0" forceraster="0" enableorderby="0">'
        f"<symbols>{marker}</symbols></renderer-v2>"
    )
