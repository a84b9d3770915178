"""Training settings and the candidates ``--tune`` chooses among by spatial cross-validation."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

__all__ = ["CANDIDATES", "TrainSettings", "run_options", "settings_name"]


@dataclass(frozen=True)
class TrainSettings:
    """Boosting parameters and training choices; the defaults are LightGBM's own."""

    n_estimators: int = 100
    learning_rate: float = 0.1
    num_leaves: int = 31
    min_child_samples: int = 20
    feature_fraction: float = 1.0
    bagging_fraction: float = 1.0
    reg_lambda: float = 0.0
    monotone: bool = False
    drop_group_constant: bool = False
    normalise: str = "rank"
    normalise_by: str | None = None  # the region column; None: features as they are
    calibration: str = "platt"
    unlabelled: str = "skip"
    folds: int = 5
    seed: int = 0
    threads: int = 1

    def lgb_params(self) -> dict[str, Any]:
        """Return the LightGBM parameters these settings stand for."""
        return {
            "objective": "binary",
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_child_samples": self.min_child_samples,
            "feature_fraction": self.feature_fraction,
            "bagging_fraction": self.bagging_fraction,
            "bagging_freq": 1 if self.bagging_fraction < 1 else 0,
            "lambda_l2": self.reg_lambda,
            "seed": self.seed,
            "num_threads": self.threads,
            "deterministic": True,
            "force_row_wise": True,
            "verbosity": -1,
        }


#: What ``--tune`` searches, by spatial cross-validation on the training table only:
#: LightGBM's defaults, a regularised and a shallow setting, each with and without
#: monotone constraints and with and without the columns constant within a group.
CANDIDATES: dict[str, TrainSettings] = {}
for _shape, _base in {
    "default": TrainSettings(),
    "regularised": TrainSettings(
        n_estimators=200,
        learning_rate=0.03,
        num_leaves=7,
        min_child_samples=100,
        feature_fraction=0.5,
        bagging_fraction=0.8,
        reg_lambda=5.0,
    ),
    "shallow": TrainSettings(
        n_estimators=400,
        learning_rate=0.02,
        num_leaves=4,
        min_child_samples=200,
        feature_fraction=0.5,
    ),
}.items():
    for _mono in (False, True):
        for _drop in (False, True):
            _name = (
                _shape + ("+monotone" if _mono else "") + ("+no-group-constant" if _drop else "")
            )
            CANDIDATES[_name] = replace(_base, monotone=_mono, drop_group_constant=_drop)


def run_options(candidate: TrainSettings, settings: TrainSettings) -> TrainSettings:
    """Return ``candidate`` with the run's own choices (folds, seed, threads ...) kept."""
    return replace(
        candidate,
        folds=settings.folds,
        seed=settings.seed,
        threads=settings.threads,
        calibration=settings.calibration,
        unlabelled=settings.unlabelled,
        normalise=settings.normalise,
        normalise_by=settings.normalise_by,
    )


def settings_name(settings: TrainSettings) -> str:
    """Return the name of the candidate ``settings`` came from, or 'custom'."""
    for name, candidate in CANDIDATES.items():
        if run_options(candidate, settings) == settings:
            return name
    return "custom"
