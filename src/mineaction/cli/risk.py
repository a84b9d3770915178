"""``mineaction risk``: train, evaluate and apply the contamination-risk model.

``train``/``evaluate``/``predict`` work on any feature table (CSV, GeoPackage);
``build-grid``/``map``/``backtest`` build that table from the database;
``publish`` saves a scored grid in the database for the web map.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from mineaction.cli.common import (
    DatabaseOption,
    FormatOption,
    check_format,
    console,
    err_console,
    open_database,
    print_json,
)

app = typer.Typer(
    help="Contamination-risk model: where unrecorded mines are likely.", no_args_is_help=True
)

FeaturesOption = Annotated[
    Path, typer.Option("--features", help="Feature table: .csv, .gpkg or .geojson.")
]
LabelOption = Annotated[
    str,
    typer.Option("--label", help="Label column: 1 found, 0 nothing found, -1 or empty unlabelled."),
]
ModelOption = Annotated[Path, typer.Option("--model", help="Model file from `risk train`.")]


def _note_missing(missing: list[str]) -> None:
    if missing:
        err_console.print(
            f"[yellow]Note:[/] {len(missing)} column(s) the model uses are not in the table and "
            f"are treated as missing: {', '.join(missing)}",
            highlight=False,
        )


@app.command("train")
def train(
    features: FeaturesOption,
    label: LabelOption,
    output: Annotated[Path, typer.Option("--output", "-o", help="Model file to write (.json).")],
    group: Annotated[
        str | None,
        typer.Option(
            "--group", help="Column whose values are held out together in cross-validation."
        ),
    ] = None,
    coords: Annotated[
        str | None,
        typer.Option("--coords", help="LON,LAT columns for square cross-validation blocks."),
    ] = None,
    block_km: Annotated[float, typer.Option("--block-km", help="Block size for --coords.")] = 10.0,
    exclude: Annotated[
        list[str] | None, typer.Option("--exclude", help="A column not to use (repeatable).")
    ] = None,
    tune: Annotated[
        bool, typer.Option("--tune", help="Choose the settings by spatial cross-validation.")
    ] = False,
    monotone: Annotated[
        bool, typer.Option("--monotone", help="Constrain risk to move one way with each feature.")
    ] = False,
    drop_group_constant: Annotated[
        bool,
        typer.Option(
            "--drop-group-constant", help="Leave out columns constant within every group."
        ),
    ] = False,
    normalise_by: Annotated[
        str | None,
        typer.Option(
            "--normalise-by",
            help="Region column: features become positions within each region "
            "(applied again per region when the model scores a table).",
        ),
    ] = None,
    normalise: Annotated[
        str, typer.Option("--normalise", help="With --normalise-by: rank (default) or zscore.")
    ] = "rank",
    calibration: Annotated[str, typer.Option("--calibration", help="platt or isotonic.")] = "platt",
    unlabelled: Annotated[
        str,
        typer.Option("--unlabelled", help="skip (default) or negative: use them as background."),
    ] = "skip",
    folds: Annotated[int, typer.Option("--folds", help="Cross-validation folds.")] = 5,
    threads: Annotated[int, typer.Option("--threads", help="CPU threads for LightGBM.")] = 1,
    format: FormatOption = "text",
) -> None:
    """Train a model on the labelled rows of a feature table and write it to --output.

    Rows labelled -1 or empty are not used.  Cross-validation holds out whole
    --group values (or --coords blocks); its figures are stored in the model.
    With --normalise-by, each feature with more than two values is replaced by
    its position among the rows of the same region (no labels used), in
    training and again whenever the model scores a table.
    """
    from mineaction.analytics.risk.model import TrainSettings, spatial_groups
    from mineaction.analytics.risk.model import train as fit
    from mineaction.analytics.risk.table import read_table

    check_format(format, ("text", "json"))
    if normalise != "rank" and normalise_by is None:
        raise typer.BadParameter(
            "give the region column with --normalise-by as well", param_hint="--normalise"
        )
    table = read_table(features)
    pair = _coords(coords)
    groups, held_out = spatial_groups(table, group=group, coords=pair, block_km=block_km)
    settings = TrainSettings(
        monotone=monotone,
        drop_group_constant=drop_group_constant,
        normalise=normalise,
        normalise_by=normalise_by,
        calibration=calibration,
        folds=folds,
        threads=threads,
        unlabelled=unlabelled,
    )
    skip = [*(exclude or []), *([group] if group else [])]
    model = fit(
        table=table,
        label=label,
        groups=groups,
        held_out=held_out,
        exclude=skip,
        settings=settings,
        tune=tune,
    )
    model.save(output)
    summary = {
        "model": str(output),
        "features": len(model.features),
        **model.training,
        "cv": model.cv,
    }
    if format == "json":
        print_json(summary)
        return
    cv = model.cv
    console.print(
        f"{output}: trained on {model.training['labelled']:,} labelled rows "
        f"({model.training['positives']:,} with finds), {len(model.features)} features."
    )
    if model.training["unlabelled_used_as"] == "negative" and model.training["unlabelled"]:
        left_out = model.training.get("unlabelled_suspected_left_out", 0)
        console.print(
            f"{model.training['unlabelled'] - left_out:,} unlabelled rows used as background (0)"
            + (
                f"; {left_out:,} unlabelled cells inside a recorded hazard or minefield record "
                "left out (suspected, not background)."
                if left_out
                else "."
            )
        )
    console.print(
        f"Spatial cross-validation ({cv['held_out']}, {cv['folds']} folds): "
        f"ROC-AUC {cv['roc_auc']:.3f}, PR-AUC {cv['pr_auc']:.3f}, "
        f"recall in top 10% {cv['recall_top10']:.1%}, top 20% {cv['recall_top20']:.1%}."
    )
    if model.training["non_numeric_columns_ignored"]:
        err_console.print(
            "[yellow]Note:[/] columns that are not numbers were not used: "
            + ", ".join(model.training["non_numeric_columns_ignored"]),
            highlight=False,
        )


def _coords(value: str | None) -> tuple[str, str] | None:
    if value is None:
        return None
    parts = [p.strip() for p in value.split(",")]
    if len(parts) != 2 or not all(parts):
        raise typer.BadParameter("give two column names, LON,LAT", param_hint="--coords")
    return parts[0], parts[1]


@app.command("evaluate")
def evaluate(
    model: ModelOption,
    features: FeaturesOption,
    label: LabelOption,
    format: FormatOption = "text",
) -> None:
    """Score a labelled table with a model: ROC-AUC, PR-AUC, recall in the top 10% and 20%.

    Recall at the top k% is the share of the table's positives inside the k%
    of rows the model ranks riskiest.  Unlabelled rows (-1, empty) are left out.
    """
    from mineaction.analytics.risk.metrics import evaluate as score
    from mineaction.analytics.risk.metrics import labelled, reliability
    from mineaction.analytics.risk.model import RiskModel
    from mineaction.analytics.risk.table import read_labels, read_table

    check_format(format, ("text", "json"))
    trained = RiskModel.load(model)
    table = read_table(features)
    y = read_labels(table, label)
    risk, missing = trained.predict(table.frame)
    figures: dict[str, Any] = score(y, risk)
    keep = labelled(y)
    figures["unlabelled_excluded"] = int((~keep).sum())
    figures["missing_columns"] = missing
    figures["reliability"] = reliability(y[keep], risk[keep])
    if format == "json":
        print_json(figures)
        return
    _note_missing(missing)
    console.print(
        f"{table.source}: {figures['n']:,} labelled rows, {figures['positives']:,} with finds "
        f"({figures['unlabelled_excluded']:,} unlabelled left out)."
    )
    console.print(
        f"ROC-AUC {figures['roc_auc']:.3f}, PR-AUC {figures['pr_auc']:.3f}, recall in top 10% "
        f"{figures['recall_top10']:.1%}, in top 20% {figures['recall_top20']:.1%}."
    )


@app.command("predict")
def predict(
    model: ModelOption,
    features: FeaturesOption,
    output: Annotated[Path, typer.Option("--output", "-o", help=".csv, .gpkg or .geojson.")],
    explain: Annotated[
        int, typer.Option("--explain", help="Add the N features that raise each row's risk most.")
    ] = 3,
) -> None:
    """Write every row of a table with its risk (calibrated probability) and why.

    Columns why_1 … why_N name the features that push a row's risk up most,
    with their contribution in log-odds.
    """
    from mineaction.analytics.risk.model import RiskModel
    from mineaction.analytics.risk.output import with_explanations, write_table
    from mineaction.analytics.risk.table import read_table

    trained = RiskModel.load(model)
    table = read_table(features)
    risk, missing = trained.predict(table.frame)
    _note_missing(missing)
    out = table.frame.copy()
    out["risk"] = risk.round(5)
    if explain > 0:
        out = with_explanations(out, trained.contributions(table.frame), trained.features, explain)
    write_table(out, output, geometry=table.geometry, crs=table.crs or "EPSG:4326")
    console.print(f"{output}: {len(out):,} rows with their risk written.")


DistrictOption = Annotated[
    list[str] | None,
    typer.Option(
        "--district",
        help="A district to cover (repeatable). Default: every district holding evidence.",
    ),
]
CellOption = Annotated[float, typer.Option("--cell-m", help="Cell size in metres.")]


def _day(value: str | None, option: str) -> Any:
    import datetime as dt

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(
            f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option
        ) from exc


@app.command("build-grid")
def build_grid(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Grid to write: .gpkg, .geojson or .csv.")
    ],
    cell_m: CellOption = 500.0,
    district: DistrictOption = None,
    layer: Annotated[
        list[Path] | None,
        typer.Option("--layer", help="A GIS layer whose distance becomes a feature (repeatable)."),
    ] = None,
    raster: Annotated[
        list[str] | None,
        typer.Option(
            "--raster",
            help="NAME=FILE: a GeoTIFF or XYZ/CSV grid whose value per cell becomes the "
            "feature NAME (repeatable).",
        ),
    ] = None,
    before: Annotated[
        str | None, typer.Option("--before", help="Use only evidence dated before this day.")
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Build a grid of cells with features and labels from the database and your layers.

    Label: 1 where a cell holds a finding, 0 where land in it was released with
    nothing found, -1 elsewhere.  Train on it with `risk train --label label`.
    """
    from mineaction.analytics.risk.output import write_table
    from mineaction.analytics.risk.sources import grid_from_database

    db = open_database(database)
    with db.session() as session:
        grid = grid_from_database(
            session,
            cell_m=cell_m,
            districts=district,
            layers=layer,
            rasters=raster,
            before=_day(before, "--before"),
        )
    write_table(grid.frame, output, geometry=grid.wkb(), layer="risk_grid")
    counts = grid.frame["label"].value_counts()
    console.print(
        f"{output}: {len(grid.frame):,} cells of {cell_m:g} m (UTM EPSG:{grid.epsg}); "
        f"{counts.get(1, 0):,} with finds, {counts.get(0, 0):,} released with nothing found, "
        f"{counts.get(-1, 0):,} unlabelled."
    )


@app.command("map")
def risk_map(
    model: ModelOption,
    grid: Annotated[Path, typer.Option("--grid", help="Grid from `risk build-grid` (.gpkg).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="GeoPackage to write.")],
    top_share: Annotated[
        float, typer.Option("--top-share", help="Share of cells counted as high risk.")
    ] = 0.05,
    explain: Annotated[int, typer.Option("--explain", help="Features named per cell.")] = 3,
    database: DatabaseOption = None,
    format: FormatOption = "text",
) -> None:
    """Write a GeoPackage: cells with risk, risk per hazard, candidate new hazardous areas.

    Layers: risk_cells (risk, why_1…), hazard_risk (each hazard's highest and
    mean cell risk) and candidate_areas (touching high-risk cells outside
    every recorded hazard, riskiest first).
    """
    from mineaction.analytics.risk.maps import score_map, write_map

    check_format(format, ("text", "json"))
    if output.suffix.lower() != ".gpkg":
        raise typer.BadParameter(
            "the map is a GeoPackage: give a .gpkg file", param_hint="--output"
        )
    db = open_database(database)
    with db.session() as session:
        result = score_map(session, model=model, grid=grid, top_share=top_share, explain=explain)
    write_map(result, output)
    _note_missing(result.missing)
    hazards, candidates = result.hazards, result.candidates
    if format == "json":
        print_json(
            {
                "output": str(output),
                "cells": len(result.frame),
                "hazards": hazards.head(20).to_dict(orient="records"),
                "candidates": candidates.head(20).to_dict(orient="records"),
            }
        )
        return
    console.print(
        f"{output}: {len(result.frame):,} cells, {len(hazards):,} hazards with their risk, "
        f"{len(candidates):,} candidate areas outside every recorded hazard."
    )
    for row in candidates.head(10).itertuples():
        console.print(
            f"  candidate {row.candidate}: {row.area_ha} ha, {row.cells} cells, highest risk "
            f"{row.risk_max:.2f}, at {row.centre_lat:.5f}, {row.centre_lon:.5f}"
        )


@app.command("publish")
def publish(
    model: ModelOption,
    grid: Annotated[Path, typer.Option("--grid", help="Grid from `risk build-grid` (.gpkg).")],
    top_share: Annotated[
        float, typer.Option("--top-share", help="Share of cells counted as high risk.")
    ] = 0.05,
    explain: Annotated[int, typer.Option("--explain", help="Features named per cell.")] = 3,
    keep: Annotated[
        int, typer.Option("--keep", help="Runs kept in the database, the newest; older go.")
    ] = 3,
    note: Annotated[str | None, typer.Option("--note", help="Why this run was made.")] = None,
    database: DatabaseOption = None,
    format: FormatOption = "text",
) -> None:
    """Score the grid and save it in the database for the web map, per hazard and for survey.

    Saves the cells (the map's risk layer), each hazard's risk and the candidate
    areas, in one transaction; the newest --keep runs are kept.
    """
    from mineaction.analytics.risk.maps import score_map
    from mineaction.cli.common import cli_actor
    from mineaction.services import risk_runs

    check_format(format, ("text", "json"))
    db = open_database(database)
    actor = cli_actor()
    with db.session(actor=actor, note=note) as session:
        scored = score_map(session, model=model, grid=grid, top_share=top_share, explain=explain)
        run = risk_runs.publish(
            session, scored=scored, actor=actor, top_share=top_share, keep=keep, note=note
        )
        summary = risk_runs.run_dict(run)
    _note_missing(scored.missing)
    if format == "json":
        print_json(
            {k: v for k, v in summary.items() if k != "summary"}
            | {
                "hazards": len(scored.hazards),
                "candidates": len(scored.candidates),
            }
        )
        return
    console.print(
        f"Risk run {summary['id']} saved: {summary['cells']:,} cells, "
        f"{len(scored.hazards):,} hazards with their risk, {len(scored.candidates):,} candidate "
        f"areas outside every recorded hazard (the newest {keep} runs are kept)."
    )


@app.command("backtest")
def backtest(
    cutoff: Annotated[
        str, typer.Option("--cutoff", help="Train on what was known before this day.")
    ],
    cell_m: CellOption = 500.0,
    district: DistrictOption = None,
    block_km: Annotated[
        float, typer.Option("--block-km", help="Cross-validation block size.")
    ] = 10.0,
    unlabelled: Annotated[
        str,
        typer.Option("--unlabelled", help="skip, or negative: unlabelled cells as background."),
    ] = "negative",
    tune: Annotated[
        bool,
        typer.Option("--tune", help="Choose the settings by spatial cross-validation, as train."),
    ] = False,
    database: DatabaseOption = None,
    format: FormatOption = "text",
) -> None:
    """Train on the evidence before --cutoff and score the cells against the finds after it.

    Reports ROC-AUC, PR-AUC and recall in the top 10%/20% of area for the
    model and for two baselines (nearest earlier finding, nearest hazard).
    """
    from mineaction.analytics.risk.backtest import backtest as run
    from mineaction.analytics.risk.model import TrainSettings

    check_format(format, ("text", "json"))
    db = open_database(database)
    with db.session() as session:
        result = run(
            session,
            cutoff=_day(cutoff, "--cutoff"),
            cell_m=cell_m,
            districts=district,
            block_km=block_km,
            settings=TrainSettings(unlabelled=unlabelled),
            tune=tune,
        )
    if format == "json":
        print_json(result)
        return
    console.print(
        f"Before {result['cutoff']}: {result['cells']:,} cells; {result['later_findings']:,} "
        "findings made on or after it."
    )
    console.print(
        f"Model settings: {result['settings']}; cross-validated ROC-AUC before the cutoff "
        f"{result['cv']['roc_auc']:.3f}."
    )
    for population, title in (
        ("all_cells", "every cell"),
        ("cells_without_earlier_finds", "cells with no earlier find"),
    ):
        console.print(f"[bold]{title}[/]")
        for name, f in result[population].items():
            if "error" in f:
                console.print(f"  {name}: {f['error']}")
                continue
            console.print(
                f"  {name}: ROC-AUC {f['roc_auc']:.3f}, recall in top 10% {f['recall_top10']:.1%}, "
                f"top 20% {f['recall_top20']:.1%}"
            )
