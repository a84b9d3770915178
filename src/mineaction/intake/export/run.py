"""Exporting: choose the writer, stream each layer from the database, then put the file in place.

The file is written under a temporary name beside the target and renamed
over it only when complete, so a failed export leaves no half-written file
(and an existing file is replaced whole).  Everything is read in one
database transaction, so the layers agree with each other.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from pyogrio.errors import DataLayerError, DataSourceError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mineaction import __version__
from mineaction.errors import MineActionError, ValidationError
from mineaction.intake.export.base import ExportFailed, ExportReport, Feature, Layer
from mineaction.intake.export.layers import hazards_layer, kind_layer
from mineaction.intake.export.registry import choose_format, exporter_class
from mineaction.intake.kinds import KINDS, get_kind
from mineaction.services.status import is_synthetic
from mineaction.store.database import Database
from mineaction.store.tables import AdminArea

__all__ = ["export_all", "export_kind"]

Progress = Callable[[str, int, int], None]
_EVERY = 1000


def export_kind(
    db: Database,
    kind_name: str,
    path: Path,
    *,
    format: str | None = None,
    include_unapproved: bool = False,
    progress: Progress | None = None,
) -> ExportReport:
    """Write every record of ``kind_name`` to ``path``; return what was written.

    ``format`` is csv, xlsx, geojson, gpkg or shp (a zipped Shapefile); by
    default the file name's extension says.  Only approved records are
    exported unless ``include_unapproved``.  The columns are those of
    ``mineaction import KIND``, so the file imports back unchanged.
    """
    kind = get_kind(
        kind_name, purpose="exported", hint=", or `all` for one GeoPackage of every kind"
    )
    path = Path(path)
    fmt = choose_format(path, format)

    def layers(session: Session) -> Iterator[Layer]:
        yield kind_layer(session, kind, include_unapproved=include_unapproved)

    totals = {kind.name: (kind.model, include_unapproved)}
    return _export(db, path, fmt, f"mineaction export: {kind.name}", layers, totals, progress)


def export_all(
    db: Database,
    path: Path,
    *,
    include_unapproved: bool = False,
    progress: Progress | None = None,
) -> ExportReport:
    """Write one GeoPackage with a layer per kind, the districts and the hazards.

    Layers: one per import kind, with the import columns (admin_areas holds
    every level, country to settlement), hazards (the remaining polygon of
    each) and mineaction_about (key/value rows: source, date, synthetic).
    """
    path = Path(path)
    fmt = choose_format(path)
    if fmt != "gpkg":
        raise ValidationError(
            f"`export all` writes one GeoPackage with a layer per kind; {path.name} is not "
            "named as one.",
            hint=f"Name the file {path.with_suffix('.gpkg').name}; for another format, "
            "export each kind on its own (`mineaction export KIND FILE`).",
        )

    def layers(session: Session) -> Iterator[Layer]:
        for kind in KINDS.values():
            yield kind_layer(session, kind, include_unapproved=include_unapproved)
        yield hazards_layer(session, include_unapproved=include_unapproved)

    totals = {k.name: (k.model, include_unapproved) for k in KINDS.values()}
    return _export(db, path, fmt, "mineaction export: all", layers, totals, progress)


def _export(
    db: Database,
    path: Path,
    fmt: str,
    title: str,
    layers: Callable[[Session], Iterable[Layer]],
    totals: dict[str, tuple[type, bool]],
    progress: Progress | None,
) -> ExportReport:
    if not path.parent.is_dir():
        raise ValidationError(
            f"Cannot write {path}: the folder {path.parent} does not exist.",
            hint="Create the folder first, or give a path in an existing one.",
        )
    cls = exporter_class(fmt)
    partial = path.with_name(f".{path.stem}.partial{path.suffix}")
    partial.unlink(missing_ok=True)  # left by an export that was killed
    report = ExportReport(path=path, format=fmt)
    with db.session(actor="export", write=False) as session:  # reads only: no write lock
        report.synthetic = is_synthetic(session)
        about = _about(session, title, report.synthetic, totals)
        exporter = cls(partial, about=about)
        try:
            for layer in layers(session):
                total = _total(session, layer.name, totals)
                layer.features = _counted(layer.features, layer.name, total, progress)
                report.layers[layer.name] = exporter.write_layer(layer)
            exporter.finish(report.layers)
            os.replace(partial, path)
        except MineActionError:
            exporter.discard()
            raise
        except (OSError, DataSourceError, DataLayerError) as exc:
            exporter.discard()
            raise ExportFailed(
                f"{path.name} could not be written: {exc}",
                hint="Check that you may write in the folder and that the disk has room, "
                "and that the file is not open in another program.",
            ) from exc
        except BaseException:
            exporter.discard()
            raise
    report.notes = exporter.notes
    return report


def _about(
    session: Session, title: str, synthetic: bool, totals: dict[str, tuple[type, bool]]
) -> dict[str, str]:
    include_unapproved = any(flag for _model, flag in totals.values())
    about = {
        "title": title,
        "source": "mineaction national database",
        "exported": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "software": f"mineaction {__version__}",
        "crs": "EPSG:4326 (WGS84 longitude/latitude)",
        "records": "all approval states (draft, submitted, approved)"
        if include_unapproved
        else "approved records only",
        "synthetic": "yes: synthetic demo data, not real" if synthetic else "no",
    }
    attribution = session.scalar(
        select(AdminArea.attribution).where(AdminArea.attribution.is_not(None)).limit(1)
    )
    if attribution:
        about["admin_areas"] = attribution
    return about


def _total(session: Session, name: str, totals: dict[str, tuple[type, bool]]) -> int:
    if name not in totals:
        return 0
    model, include_unapproved = totals[name]
    query = select(func.count()).select_from(model)
    if not include_unapproved:
        query = query.where(model.approval == "approved")  # type: ignore[attr-defined]
    return int(session.scalar(query) or 0)


def _counted(
    features: Iterable[Feature], step: str, total: int, progress: Progress | None
) -> Iterator[Feature]:
    done = 0
    for feature in features:
        yield feature
        done += 1
        if progress and done % _EVERY == 0:
            progress(f"export {step}", done, max(total, done))
    if progress:
        progress(f"export {step}", done, max(total, done))
