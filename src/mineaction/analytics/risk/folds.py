"""Spatial cross-validation: folds that keep whole places out, never neighbouring cells.

Random folds put a cell in the test fold beside its twin in the training
fold and report skill the model does not have.  Folds here hold out whole
groups: the table's own group column (a municipality, a district) or square
blocks of ``block_km`` built from the coordinates.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mineaction.errors import ValidationError

__all__ = ["blocks_from_coordinates", "group_folds"]

_KM_PER_DEGREE = 111.32


def blocks_from_coordinates(lon: ArrayLike, lat: ArrayLike, block_km: float) -> NDArray[np.object_]:
    """Return a block name per point: square blocks of ``block_km`` on a local projection.

    Coordinates are degrees (WGS84); an equirectangular projection at the mean
    latitude is exact enough for blocks of a few kilometres.

    >>> list(blocks_from_coordinates([46.0, 46.01, 46.5], [40.0, 40.0, 40.0], 5.0))
    ['0:0', '0:0', '8:0']
    """
    x = np.asarray(lon, dtype=float)
    y = np.asarray(lat, dtype=float)
    if block_km <= 0:
        raise ValidationError(
            f"The block size {block_km} km is not positive.", hint="Give --block-km above 0."
        )
    scale = _KM_PER_DEGREE * np.cos(np.radians(np.nanmean(y)))
    bx = np.floor((x - np.nanmin(x)) * scale / block_km).astype(int)
    by = np.floor((y - np.nanmin(y)) * _KM_PER_DEGREE / block_km).astype(int)
    return np.array([f"{a}:{b}" for a, b in zip(bx, by, strict=True)], dtype=object)


def group_folds(
    groups: ArrayLike, n_folds: int, seed: int = 0
) -> list[tuple[NDArray[np.intp], NDArray[np.intp]]]:
    """Return (train rows, test rows) pairs; each group falls wholly in one test fold.

    Groups are dealt to folds largest first, each to the fold with the fewest
    rows so far (ties broken by a seeded shuffle), so folds are of similar size.

    >>> folds = group_folds(["a", "a", "b", "c", "c", "c"], 2)
    >>> sorted(sorted(test.tolist()) for _, test in folds)
    [[0, 1, 2], [3, 4, 5]]
    """
    names = np.asarray(groups, dtype=object)
    unique, inverse, counts = np.unique(names.astype(str), return_inverse=True, return_counts=True)
    if len(unique) < n_folds:
        raise ValidationError(
            f"Spatial cross-validation needs at least {n_folds} groups; the labelled rows "
            f"fall in {len(unique)}.",
            hint="Give a group column with more places, a smaller --block-km, or fewer --folds.",
        )
    rng = np.random.default_rng(seed)
    order = np.lexsort((rng.permutation(len(unique)), -counts))
    load = np.zeros(n_folds)
    fold_of = np.zeros(len(unique), dtype=int)
    for g in order:
        f = int(np.argmin(load))
        fold_of[g] = f
        load[f] += counts[g]
    row_fold = fold_of[inverse]
    everything = np.arange(len(names))
    return [(everything[row_fold != f], everything[row_fold == f]) for f in range(n_folds)]
