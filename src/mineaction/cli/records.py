"""``mineaction records``: the register of minefield records and their verification."""

from __future__ import annotations

import datetime as dt
import json as jsonlib
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.table import Table

from mineaction.cli.common import (
    DatabaseOption,
    check_format,
    cli_actor,
    console,
    err_console,
    open_database,
    print_json,
    progress_bar,
)
from mineaction.errors import ValidationError
from mineaction.services import minefield_records as service

app = typer.Typer(help="Minefield records: register, attach scanned maps, verify.")

_VERIFY_FORMATS = ("text", "json", "geojson", "gpkg", "xlsx", "html", "pdf")


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(
            f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option
        ) from exc


def _mine_type(text: str) -> service.MineType:
    parts = text.split(":")
    if len(parts) not in (2, 3):
        raise typer.BadParameter(
            f"{text!r}: write CATEGORY:MODEL[:COUNT], e.g. ap_mine:PMN-2:120",
            param_hint="--mine-type",
        )
    count = None
    if len(parts) == 3:
        if not parts[2].isdigit():
            raise typer.BadParameter(f"{text!r}: the count must be a whole number")
        count = int(parts[2])
    return service.MineType(parts[0].strip(), parts[1].strip(), count)


def _geometry(value: str | None) -> Any:
    """Return the polygon given as a file (.geojson, .wkt) or as WKT/GeoJSON text."""
    if value is None:
        return None
    path = Path(value)
    if path.suffix.lower() in (".geojson", ".json", ".wkt", ".txt"):
        if not path.exists():
            raise ValidationError(f"The file {path} does not exist.", hint="Check the path.")
        text = path.read_text(encoding="utf-8")
        if path.suffix.lower() in (".geojson", ".json"):
            data = jsonlib.loads(text)
            if data.get("type") == "FeatureCollection":
                data = data["features"][0]
            return data.get("geometry", data)
        return text.strip()
    return value


@app.command("add")
def add(
    id: Annotated[str, typer.Option("--id", help="The record's reference, e.g. MFR-0042.")],
    source: Annotated[str, typer.Option(help="Who handed the record over, and how.")],
    received: Annotated[str, typer.Option(help="Day the record was received (YYYY-MM-DD).")],
    geometry: Annotated[
        str | None,
        typer.Option(help="The perimeter: a .geojson or .wkt file, or WKT text."),
    ] = None,
    traverse: Annotated[
        Path | None,
        typer.Option(
            help="The perimeter as drawn on paper: a YAML file of a reference point "
            "and legs (see docs/minefield-records.md)."
        ),
    ] = None,
    laid: Annotated[str | None, typer.Option(help="Day the mines were laid.")] = None,
    laying_method: Annotated[
        str | None, typer.Option(help="hand, mechanical, remote or unknown.")
    ] = None,
    expected_ap: Annotated[int | None, typer.Option(help="Anti-personnel mines listed.")] = None,
    expected_at: Annotated[int | None, typer.Option(help="Anti-tank mines listed.")] = None,
    mine_type: Annotated[
        list[str] | None,
        typer.Option(help="A mine type listed, CATEGORY:MODEL[:COUNT] (repeatable)."),
    ] = None,
    fuzes: Annotated[str | None, typer.Option(help="Fuzes the record lists.")] = None,
    anti_handling: Annotated[
        bool | None,
        typer.Option("--anti-handling/--no-anti-handling", help="Anti-handling devices?"),
    ] = None,
    reference_points: Annotated[
        str | None, typer.Option(help="Landmarks the record measures from, as WKT points.")
    ] = None,
    mine_rows: Annotated[str | None, typer.Option(help="Rows of mines, as WKT lines.")] = None,
    notes: Annotated[str | None, typer.Option(help="Anything else the record says.")] = None,
    database: DatabaseOption = None,
    json: Annotated[bool, typer.Option("--json", help="Print the record as JSON.")] = False,
) -> None:
    """Register a minefield record, from its polygon or from a traverse drawn on paper."""
    spec = None
    if traverse is not None:
        try:
            data = yaml.safe_load(traverse.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ValidationError(
                f"The traverse file {traverse} cannot be read: {exc}",
                hint="Give a YAML file as in docs/minefield-records.md.",
            ) from exc
        spec = service.parse_traverse(data, source=str(traverse))
    db = open_database(database)
    with db.session(actor=cli_actor(), note=f"records add {id}") as session:
        record = service.register_record(
            session=session,
            reference=id,
            source=source,
            received_date=_date(received, "--received"),
            laid_date=_date(laid, "--laid"),
            geom=_geometry(geometry),
            traverse=spec,
            laying_method=laying_method,
            expected_ap=expected_ap,
            expected_at=expected_at,
            mine_types=[_mine_type(t) for t in mine_type or []],
            fuzes=fuzes,
            anti_handling=anti_handling,
            reference_points=reference_points,
            mine_rows=mine_rows,
            notes=notes,
        )
        shown = _record_dict(record)
    if json:
        print_json(shown)
        return
    console.print(f"Registered minefield record {shown['id']}: {shown['area_ha']} ha.")
    if shown["notes"] and "does not close" in shown["notes"]:
        err_console.print(f"[yellow]Note:[/] {shown['notes'].splitlines()[-1]}")


@app.command("list")
def list_(
    database: DatabaseOption = None,
    format: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
) -> None:
    """List the minefield records in the register."""
    check_format(format, ("text", "json"))
    db = open_database(database)
    with db.session() as session:
        rows = [_record_dict(r, brief=True) for r in service.list_records(session)]
    if format == "json":
        print_json(rows)
        return
    table = Table(title=f"Minefield records — {db.display_url()}")
    for name in ("id", "district", "received", "laid", "AP", "AT", "ha", "scans"):
        table.add_column(name, justify="right" if name in ("AP", "AT", "ha", "scans") else "left")
    for r in rows:
        table.add_row(
            r["id"],
            r["district"] or "",
            r["received_date"],
            r["laid_date"] or "",
            _n(r["expected_ap"]),
            _n(r["expected_at"]),
            f"{r['area_ha']:,.1f}",
            str(r["attachments"]),
        )
    console.print(table)


@app.command("show")
def show(
    id: Annotated[str, typer.Argument(help="The record's reference.")],
    database: DatabaseOption = None,
    format: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
) -> None:
    """Show one minefield record: its fields, mine types and attached scans."""
    check_format(format, ("text", "json"))
    db = open_database(database)
    with db.session() as session:
        shown = _record_dict(service.get_by_reference(session, id))
    if format == "json":
        print_json(shown)
        return
    for key, value in shown.items():
        if key in ("mine_types", "attachments_list", "geometry"):
            continue
        console.print(f"[bold]{key}[/]: {'' if value is None else value}")
    for t in shown["mine_types"]:
        console.print(f"  mine type: {t['category']} {t['model']} × {_n(t['expected_count'])}")
    for a in shown["attachments_list"]:
        console.print(f"  scan: {a['filename']} ({a['content_type']}, sha256 {a['sha256'][:12]}…)")


@app.command("attach")
def attach(
    id: Annotated[str, typer.Argument(help="The record's reference.")],
    file: Annotated[Path, typer.Argument(help="The scanned map: PDF, PNG, JPEG or TIFF.")],
    database: DatabaseOption = None,
) -> None:
    """Attach a scanned map to a record (kept in the database with its SHA-256)."""
    if not file.is_file():
        raise ValidationError(f"The file {file} does not exist.", hint="Check the path.")
    db = open_database(database)
    with db.session(actor=cli_actor(), note=f"records attach {id}") as session:
        record = service.get_by_reference(session, id)
        attachment = service.attach_file(
            session=session, record_id=record.id, content=file.read_bytes(), filename=file.name
        )
        digest = attachment.sha256
    console.print(f"Attached {file.name} to {id} (sha256 {digest}).")


@app.command("verify")
def verify(
    from_: Annotated[
        str | None, typer.Option("--from", help="Count finds and accidents from this day.")
    ] = None,
    to: Annotated[str | None, typer.Option("--to", help="… up to this day (inclusive).")] = None,
    buffer_m: Annotated[
        float | None,
        typer.Option(
            "--buffer-m",
            help="Metres around a record within which finds count "
            "for it (default 50, or the rules file's).",
        ),
    ] = None,
    rules: Annotated[
        Path | None, typer.Option(help="YAML file of verification rules (thresholds).")
    ] = None,
    format: Annotated[
        str, typer.Option("--format", "-f", help="text, json, geojson, gpkg, xlsx, html or pdf.")
    ] = "text",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="File to write (needed for geojson, gpkg, xlsx, "
            "pdf; json and html print when not given).",
        ),
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Verify every minefield record against clearance, survey, finds and accidents."""
    from mineaction.analytics.verification import load_rules, verify_records
    from mineaction.services.status import is_synthetic

    check_format(format, _VERIFY_FORMATS)
    if format in ("geojson", "gpkg", "xlsx", "pdf") and output is None:
        raise typer.BadParameter(f"--format {format} writes a file: give --output FILE")
    chosen = load_rules(rules).with_buffer(buffer_m)
    db = open_database(database)
    with db.session() as session, progress_bar() as progress:
        result = verify_records(
            session,
            start=_date(from_, "--from"),
            end=_date(to, "--to"),
            rules=chosen,
            progress=progress,
        )
        synthetic = is_synthetic(session)
    _emit(result, format, output, synthetic=synthetic)


def _emit(result: Any, format: str, output: Path | None, *, synthetic: bool) -> None:
    from mineaction.analytics.verification.output import write_gis

    if format == "json":
        text = jsonlib.dumps(result.as_dict(), indent=2, ensure_ascii=False)
        if output is None:
            typer.echo(text)
        else:
            output.write_text(text + "\n", encoding="utf-8")
            console.print(f"{output}: verification of {len(result.records)} records written.")
    elif format in ("geojson", "gpkg"):
        assert output is not None
        written = write_gis(result, output, format, synthetic=synthetic)
        console.print(f"{output}: {written} features written ({format}).")
    elif format in ("xlsx", "html", "pdf"):
        _render(result, format, output, synthetic=synthetic)
    else:
        _print_text(result)
    if synthetic:
        err_console.print("[yellow]Note:[/] this is the synthetic demo data set, not real data.")


def _render(result: Any, format: str, output: Path | None, *, synthetic: bool) -> None:
    from mineaction.analytics.verification.document import verification_document
    from mineaction.render import render

    data = render(verification_document(result, synthetic=synthetic), format)
    if output is None:  # only html may go to the console
        typer.echo(data.decode("utf-8"))
        return
    output.write_bytes(data)
    console.print(f"{output}: verification of {len(result.records)} records written ({format}).")


def _print_text(result: Any) -> None:
    summary = result.summary()
    table = Table(title="Minefield records verified")
    for name in ("id", "class", "worked", "AP exp/found", "AT exp/found", "in", "buffer", "acc."):
        table.add_column(name)
    for r in result.records:
        d = r.as_dict()
        table.add_row(
            d["id"],
            d["class"].replace("_", " "),
            f"{d['coverage_share']:.0%}",
            f"{_n(d['expected_ap'])}/{d['found_ap']}",
            f"{_n(d['expected_at'])}/{d['found_at']}",
            str(d["findings_inside"]),
            str(d["findings_buffer"]),
            str(d["accidents_inside"]),
        )
    console.print(table)
    share = summary["accurate_share"]
    acc_share = summary["accidents_outside_records_share"]
    console.print(
        f"{summary['records']} records: {summary['accurate']} accurate, "
        f"{summary['partially_accurate']} partially accurate, {summary['inaccurate']} "
        f"inaccurate, {summary['unverified']} unverified; accurate share of verified: "
        f"{'–' if share is None else f'{share:.0%}'}."
    )
    console.print(
        f"{summary['accidents']} mine accidents, {summary['accidents_outside_records']} outside "
        f"every record ({'–' if acc_share is None else f'{acc_share:.0%}'}), "
        f"{summary['accidents_outside_records_and_hazards']} outside every record and hazard; "
        f"{summary['findings_outside_records']} of {summary['findings']} mine finds outside "
        f"every record; {len(result.proposed)} proposed suspected areas."
    )


def _n(value: int | None) -> str:
    return "–" if value is None else f"{value:,}"


def _record_dict(record: Any, *, brief: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": record.reference,
        "source": record.source,
        "district": record.admin_area.name if record.admin_area else None,
        "received_date": record.received_date.isoformat(),
        "laid_date": record.laid_date.isoformat() if record.laid_date else None,
        "laying_method": record.laying_method,
        "expected_ap": record.expected_ap,
        "expected_at": record.expected_at,
        "area_ha": round(record.area_m2 / 10_000, 1),
        "attachments": len(record.attachments),
        "notes": record.notes,
    }
    if brief:
        return data
    data.update(
        fuzes=record.fuzes,
        anti_handling=record.anti_handling,
        approval=record.approval,
        version=record.version,
        mine_types=[
            {
                "category": t.eo_model.category,
                "model": t.eo_model.model,
                "expected_count": t.expected_count,
            }
            for t in record.mine_types
        ],
        attachments_list=[
            {"filename": a.filename, "content_type": a.content_type, "sha256": a.sha256}
            for a in record.attachments
        ],
        reference_points=record.reference_points.wkt if record.reference_points else None,
        geometry=record.geom.wkt,
    )
    return data
