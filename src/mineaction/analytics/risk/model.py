"""The risk model: LightGBM gradient boosting, spatially cross-validated and calibrated.

Why LightGBM: it handles missing values natively, trains on 100,000 cells in
seconds on two cores, takes monotone constraints ("risk does not grow with
distance to the nearest find"), gives exact per-row feature contributions
(``pred_contrib``), and saves its trees as plain text, so a model file is
JSON and text that loading can never execute.

Training does, in order: spatial cross-validation (whole groups or blocks
held out) giving out-of-fold predictions; a Platt (or isotonic) calibration
fitted on those out-of-fold predictions; a final model on every labelled row.
The cross-validated figures and reliability data travel in the model file.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.stats import spearmanr

from mineaction.analytics.risk.calibration import apply_calibration, fit_calibration
from mineaction.analytics.risk.folds import blocks_from_coordinates, group_folds
from mineaction.analytics.risk.metrics import evaluate, reliability
from mineaction.analytics.risk.normalise import METHODS, columns_to_normalise, normalise_within
from mineaction.analytics.risk.settings import (
    CANDIDATES,
    TrainSettings,
    run_options,
    settings_name,
)
from mineaction.analytics.risk.table import (
    SUSPECTED,
    FeatureTable,
    align,
    feature_columns,
    read_groups,
    read_labels,
)
from mineaction.errors import ValidationError

__all__ = [
    "CANDIDATES",
    "FORMAT",
    "RiskModel",
    "TrainSettings",
    "spatial_groups",
    "train",
    "train_on_grid",
]

FORMAT = "mineaction-risk-model"
VERSION = 1
_LON_NAMES = ("lon", "lng", "longitude", "longitud", "longitud_x", "cell_lon", "x")
_LAT_NAMES = ("lat", "latitude", "latitud", "latitud_y", "cell_lat", "y")


@dataclass
class RiskModel:
    """A trained model: the booster, what it expects, and how well it did in cross-validation."""

    booster: lgb.Booster
    features: list[str]
    medians: list[float]
    monotone: list[int]
    calibration: dict[str, Any]
    label: str
    settings: TrainSettings
    cv: dict[str, Any] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)
    #: ``{"method": "rank"|"zscore", "by": region column, "columns": [...]}`` or None
    normalisation: dict[str, Any] | None = None

    # -- prediction ----------------------------------------------------------------
    def matrix(self, frame: pd.DataFrame) -> tuple[NDArray[np.float64], list[str]]:
        """Return the feature matrix for ``frame`` and the names it lacked (filled as missing).

        A value missing where training never saw one is set to the training
        median: LightGBM would otherwise read it as zero (a distance of 0 km).
        With a within-region normalisation, each region of ``frame`` is
        normalised among its own rows, as training did; a table without the
        region column is taken as one region (and the column is named as
        missing).
        """
        x, missing = align(frame, self.features)
        if self.normalisation:
            by = self.normalisation["by"]
            if by in frame.columns:
                regions = frame[by].fillna("").astype(str).to_numpy(dtype=object)
            else:
                regions = np.full(len(frame), "", dtype=object)
                missing = [*missing, by]
            index = [self.features.index(c) for c in self.normalisation["columns"]]
            x = normalise_within(x, regions, index, self.normalisation["method"])
        medians = np.asarray(self.medians, dtype=float)
        holes = np.isnan(x) & ~np.isnan(medians)[None, :]
        x[holes] = np.broadcast_to(medians, x.shape)[holes]
        return x, missing

    def raw(self, x: NDArray[np.float64]) -> NDArray[np.float64]:
        """Return the boosting log-odds for a prepared matrix."""
        return np.asarray(
            self.booster.predict(x, raw_score=True, num_threads=self.settings.threads), dtype=float
        )

    def calibrate(self, log_odds: NDArray[np.float64]) -> NDArray[np.float64]:
        """Turn log-odds into calibrated probabilities with the stored calibration map."""
        return apply_calibration(self.calibration, log_odds)

    def predict(self, frame: pd.DataFrame) -> tuple[NDArray[np.float64], list[str]]:
        """Return calibrated probabilities for every row and the columns ``frame`` lacked."""
        x, missing = self.matrix(frame)
        return self.calibrate(self.raw(x)), missing

    def contributions(self, frame: pd.DataFrame) -> NDArray[np.float64]:
        """Return per-row feature contributions in log-odds (last column: the base value).

        They sum, per row, to the model's log-odds before calibration.
        """
        x, _ = self.matrix(frame)
        return np.asarray(
            self.booster.predict(x, pred_contrib=True, num_threads=self.settings.threads),
            dtype=float,
        )

    # -- the model file ------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the model as one JSON file (LightGBM's text model inside); return the path."""
        path = Path(path)
        body = {
            "format": FORMAT,
            "version": VERSION,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "label": self.label,
            "features": self.features,
            "medians": [None if np.isnan(m) else m for m in self.medians],
            "monotone": self.monotone,
            "calibration": self.calibration,
            "settings": asdict(self.settings),
            "cv": self.cv,
            "training": self.training,
            "normalisation": self.normalisation,
            "booster": self.booster.model_to_string(),
        }
        path.write_text(json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> RiskModel:
        """Read a model file written by ``save``; refuse anything else."""
        path = Path(path)
        if not path.is_file():
            raise ValidationError(
                f"The model file {path} does not exist.",
                hint="Train one with `mineaction risk train ... --output FILE`.",
            )
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValidationError(
                f"{path.name} is not a mineaction risk model (not JSON).",
                hint="Give a file written by `mineaction risk train`.",
            ) from exc
        if not isinstance(body, dict) or body.get("format") != FORMAT:
            raise ValidationError(
                f"{path.name} is not a mineaction risk model.",
                hint="Give a file written by `mineaction risk train`.",
            )
        if body.get("version") != VERSION:
            raise ValidationError(
                f"{path.name} is a risk model of format version {body.get('version')}; "
                f"this mineaction reads version {VERSION}.",
                hint="Train the model again with this version of mineaction.",
            )
        return cls(
            booster=lgb.Booster(model_str=body["booster"]),
            features=list(body["features"]),
            medians=[np.nan if m is None else float(m) for m in body["medians"]],
            monotone=list(body["monotone"]),
            calibration=dict(body["calibration"]),
            label=str(body["label"]),
            settings=TrainSettings(**body["settings"]),
            cv=dict(body.get("cv", {})),
            training=dict(body.get("training", {})),
            normalisation=body.get("normalisation"),
        )


def spatial_groups(
    table: FeatureTable,
    *,
    group: str | None,
    coords: tuple[str, str] | None,
    block_km: float,
) -> tuple[NDArray[np.object_], str]:
    """Return the cross-validation group of each row and a sentence saying how it was chosen.

    In order: the ``group`` column; the ``coords`` columns (or, failing
    that, columns named like longitude/latitude) cut into square blocks.
    """
    if group is not None:
        return read_groups(table, group), f"held out by {group!r}"
    frame = table.frame
    if coords is None:
        lower = {str(c).lower(): str(c) for c in frame.columns}
        lon = next((lower[n] for n in _LON_NAMES if n in lower), None)
        lat = next((lower[n] for n in _LAT_NAMES if n in lower), None)
        if lon is None or lat is None:
            raise ValidationError(
                f"{table.source} gives no way to hold out places in cross-validation.",
                hint="Name a group column with --group (e.g. the municipality), or the "
                "longitude and latitude columns with --coords LON,LAT for square blocks.",
            )
        coords = (lon, lat)
    for name in coords:
        if name not in frame.columns:
            raise ValidationError(
                f"{table.source} has no coordinate column {name!r}.",
                hint="Give --coords LON,LAT with two of its column names.",
            )
    lon_v = pd.to_numeric(frame[coords[0]], errors="coerce").to_numpy(dtype=float)
    lat_v = pd.to_numeric(frame[coords[1]], errors="coerce").to_numpy(dtype=float)
    blocks = blocks_from_coordinates(lon_v, lat_v, block_km)
    return blocks, f"held out in {block_km:g} km blocks of ({coords[0]}, {coords[1]})"


def _group_constant(
    frame: pd.DataFrame, features: list[str], groups: NDArray[np.object_]
) -> set[str]:
    """Return the features that take one value within every group (they only name the group)."""
    keyed = frame[features].assign(__group=groups)
    spread = keyed.groupby("__group").nunique(dropna=False).max()
    return {name for name in features if spread[name] <= 1}


def _monotone_signs(x: NDArray[np.float64], y: NDArray[np.float64]) -> list[int]:
    """Return per feature the sign of its rank correlation with the label (0 for binary ones)."""
    signs = []
    for j in range(x.shape[1]):
        column = x[:, j]
        ok = ~np.isnan(column)
        if len(np.unique(column[ok])) <= 2:
            signs.append(0)
            continue
        rho = spearmanr(column[ok], y[ok]).statistic
        signs.append(0 if not np.isfinite(rho) else (1 if rho > 0 else -1))
    return signs


def _fit_booster(
    x: NDArray[np.float64], y: NDArray[np.float64], settings: TrainSettings, monotone: list[int]
) -> lgb.Booster:
    params = settings.lgb_params()
    if settings.monotone:
        params["monotone_constraints"] = monotone
        params["monotone_constraints_method"] = "intermediate"
    names = [f"f{j}" for j in range(x.shape[1])]  # LightGBM refuses commas etc. in names
    data = lgb.Dataset(x, label=y, feature_name=names, free_raw_data=True)
    return lgb.train(params, data, num_boost_round=settings.n_estimators)


def cross_validate(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    groups: NDArray[np.object_],
    settings: TrainSettings,
) -> NDArray[np.float64]:
    """Return out-of-fold log-odds: each row scored by a model that never saw its group."""
    oof = np.zeros(len(y))
    for train_rows, test_rows in group_folds(groups, settings.folds, settings.seed):
        signs = _monotone_signs(x[train_rows], y[train_rows]) if settings.monotone else []
        booster = _fit_booster(x[train_rows], y[train_rows], settings, signs)
        oof[test_rows] = booster.predict(x[test_rows], raw_score=True, num_threads=settings.threads)
    return oof


def suspected(table: FeatureTable) -> NDArray[np.bool_]:
    """Return the rows of a grid marked ``cell_suspected`` (none for other tables)."""
    if SUSPECTED not in table.frame.columns:
        return np.zeros(len(table.frame), dtype=bool)
    return pd.to_numeric(table.frame[SUSPECTED], errors="coerce").fillna(0).to_numpy() > 0


@dataclass
class _Prepared:
    x: NDArray[np.float64]
    y: NDArray[np.float64]
    groups: NDArray[np.object_]
    features: list[str]
    dropped: list[str]
    normalisation: dict[str, Any] | None


def _labels(table: FeatureTable, label: str, settings: TrainSettings) -> NDArray[np.float64]:
    """Return the training labels; unlabelled rows are NaN, or 0 as background if asked.

    A grid's unlabelled cells that touch a recorded hazard or minefield record
    (``cell_suspected``) are never background: nobody has searched them and
    they are suspected, so they stay unlabelled (left out of training).
    """
    labels = read_labels(table, label)
    if settings.unlabelled == "negative":
        background = np.isnan(labels) & ~suspected(table)
        return np.where(background, 0.0, labels)
    if settings.unlabelled != "skip":
        raise ValidationError(
            f"{settings.unlabelled!r} is not a way to treat unlabelled rows.",
            hint="Use skip (leave them out) or negative (use them as background, 0).",
        )
    return labels


def _prepare(
    table: FeatureTable,
    label: str,
    groups: NDArray[np.object_],
    features: list[str],
    settings: TrainSettings,
) -> _Prepared:
    labels = _labels(table, label, settings)
    keep = ~np.isnan(labels)
    dropped: list[str] = []
    if settings.drop_group_constant:
        constant = _group_constant(table.frame.loc[keep], features, groups[keep])
        dropped = [f for f in features if f in constant]
        features = [f for f in features if f not in constant]
    x, _ = align(table.frame, features)
    normalisation = None
    if settings.normalise_by is not None:
        # Every row of a region, labelled or not, is its reference: the same
        # rows a table to be scored will be normalised among.
        if settings.normalise not in METHODS:
            raise ValidationError(
                f"{settings.normalise!r} is not a normalisation method.",
                hint=f"Use one of: {', '.join(METHODS)}.",
            )
        regions = read_groups(table, settings.normalise_by)
        columns = columns_to_normalise(x[keep], features)
        index = [features.index(c) for c in columns]
        x = normalise_within(x, regions, index, settings.normalise)
        normalisation = {
            "method": settings.normalise,
            "by": settings.normalise_by,
            "columns": columns,
        }
    return _Prepared(x[keep], labels[keep], groups[keep], features, dropped, normalisation)


def train(
    *,
    table: FeatureTable,
    label: str,
    groups: NDArray[np.object_],
    held_out: str,
    exclude: list[str] | None = None,
    settings: TrainSettings | None = None,
    tune: bool = False,
) -> RiskModel:
    """Train, cross-validate and calibrate a model on the labelled rows of ``table``.

    ``groups`` (from ``spatial_groups``) decides which rows are held out
    together.  With ``tune`` the settings are chosen among ``CANDIDATES``
    by out-of-fold ROC-AUC; nothing outside ``table`` is looked at.
    """
    settings = settings or TrainSettings()
    raw_labels = read_labels(table, label)
    labels = _labels(table, label, settings)
    keep = ~np.isnan(labels)
    if keep.sum() == 0 or np.nansum(labels) in (0, keep.sum()):
        raise ValidationError(
            f"{table.source} needs labelled rows of both outcomes in {label!r}; it has "
            f"{int(np.nansum(labels))} with finds among {int(keep.sum())} labelled.",
            hint="Label some places 1 (mines found) and some 0 (searched, nothing found).",
        )
    skip = [label, *(exclude or []), *([settings.normalise_by] if settings.normalise_by else [])]
    skip += [str(c) for c in table.frame.columns if str(c).startswith("cell_")]
    features, non_numeric = feature_columns(table.frame, exclude=skip)
    if not features:
        raise ValidationError(
            f"{table.source} has no numeric feature columns besides the label.",
            hint="Add columns of numbers (distances, densities, elevation ...).",
        )
    tried: dict[str, dict[str, Any]] = {}
    if tune:
        best: tuple[float, str] | None = None
        scored: dict[TrainSettings, dict[str, Any]] = {}
        for name, candidate in CANDIDATES.items():
            candidate = run_options(candidate, settings)
            prepared = _prepare(table, label, groups, features, candidate)
            # Where no column is constant within a group, "without them" is the
            # same model as its twin: its figures are the twin's, not fitted twice.
            key = candidate if prepared.dropped else replace(candidate, drop_group_constant=False)
            if key not in scored:
                oof = cross_validate(prepared.x, prepared.y, prepared.groups, candidate)
                scored[key] = evaluate(prepared.y, oof)
            scores = scored[key]
            tried[name] = scores
            if best is None or scores["roc_auc"] > best[0]:
                best = (scores["roc_auc"], name)
        assert best is not None
        settings = run_options(CANDIDATES[best[1]], settings)
    prepared = _prepare(table, label, groups, features, settings)
    oof = cross_validate(prepared.x, prepared.y, prepared.groups, settings)
    calibration = fit_calibration(settings.calibration, oof, prepared.y)
    oof_p = apply_calibration(calibration, oof)
    signs = (
        _monotone_signs(prepared.x, prepared.y)
        if settings.monotone
        else [0] * len(prepared.features)
    )
    booster = _fit_booster(prepared.x, prepared.y, settings, signs)
    medians = [
        float(np.nanmedian(col)) if np.isnan(col).sum() == 0 else float("nan")
        for col in prepared.x.T
    ]
    cv = {
        "held_out": held_out,
        "folds": settings.folds,
        "groups": len(np.unique(prepared.groups.astype(str))),
        **evaluate(prepared.y, oof_p),
        "reliability": reliability(prepared.y, oof_p),
    }
    if tried:
        cv["tuning"] = {"chosen": settings_name(settings), "candidates": tried}
    training = {
        "source": table.source,
        "rows": len(table.frame),
        "labelled": int((~np.isnan(raw_labels)).sum()),
        "positives": int(np.nansum(labels)),
        "unlabelled": int(np.isnan(raw_labels).sum()),
        "unlabelled_used_as": "skipped" if settings.unlabelled == "skip" else "negative",
        "unlabelled_suspected_left_out": (
            int((np.isnan(raw_labels) & suspected(table)).sum())
            if settings.unlabelled == "negative"
            else 0
        ),
        "non_numeric_columns_ignored": non_numeric,
        "group_constant_columns_dropped": prepared.dropped,
    }
    if prepared.normalisation:
        training["normalised_within"] = prepared.normalisation["by"]
    return RiskModel(
        booster=booster,
        features=prepared.features,
        medians=medians,
        monotone=signs,
        calibration=calibration,
        label=label,
        settings=settings,
        cv=cv,
        training=training,
        normalisation=prepared.normalisation,
    )


def train_on_grid(
    frame: pd.DataFrame,
    *,
    block_km: float = 10.0,
    settings: TrainSettings | None = None,
    tune: bool = False,
    source: str = "grid",
) -> RiskModel:
    """Train on a grid's cells (``label``), holding out square blocks of ``block_km`` km."""
    table = FeatureTable(source=source, frame=frame)
    groups, held_out = spatial_groups(
        table, group=None, coords=("cell_lon", "cell_lat"), block_km=block_km
    )
    return train(
        table=table, label="label", groups=groups, held_out=held_out, settings=settings, tune=tune
    )
