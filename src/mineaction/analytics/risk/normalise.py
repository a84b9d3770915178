"""Within-region normalisation: features as relative position inside each region.

A model meant to score a region it never saw cannot rely on absolute levels
that shift from region to region (a whole department lies farther from the
nearest airport than another).  Replacing each value by its position among
the cells of the same region ("farther from roads than 80% of this
municipality's cells") keeps what is comparable between regions.

The transform uses only the feature values of the rows of each region, never
labels, so applying it to a region being scored is legitimate: ``risk
evaluate`` and ``risk predict`` normalise each region of the scored table
among its own rows, as training did.

There are two methods:

- ``rank``: the percentile rank within the region, in (0, 1]; ties share
  their average rank.
- ``zscore``: (value - region mean) / region standard deviation (0 where a
  region holds one value).

Only columns with more than two distinct values are normalised; indicators
(0/1 one-hots) keep their meaning in every region and stay as they are.
Missing values stay missing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from mineaction.errors import ValidationError

__all__ = ["METHODS", "columns_to_normalise", "normalise_within"]

METHODS = ("rank", "zscore")


def columns_to_normalise(x: NDArray[np.float64], features: list[str]) -> list[str]:
    """Return the features with more than two distinct values (indicators are left alone)."""
    chosen = []
    for j, name in enumerate(features):
        column = x[:, j]
        if len(np.unique(column[~np.isnan(column)])) > 2:
            chosen.append(name)
    return chosen


def normalise_within(
    x: NDArray[np.float64],
    regions: ArrayLike,
    columns: list[int],
    method: str,
) -> NDArray[np.float64]:
    """Return a copy of ``x`` with ``columns`` normalised within each region.

    >>> x = np.array([[1.0], [2.0], [3.0], [10.0], [30.0], [20.0]])
    >>> normalise_within(x, ["a", "a", "a", "b", "b", "b"], [0], "rank").ravel().round(2).tolist()
    [0.33, 0.67, 1.0, 0.33, 1.0, 0.67]
    """
    if method not in METHODS:
        raise ValidationError(
            f"{method!r} is not a normalisation method.",
            hint=f"Use one of: {', '.join(METHODS)}.",
        )
    out = np.array(x, dtype=float, copy=True)
    if not columns:
        return out
    frame = pd.DataFrame(out[:, columns])
    by = pd.Series(np.asarray(regions, dtype=object)).astype(str).to_numpy()
    grouped = frame.groupby(by, sort=False)
    if method == "rank":
        values = grouped.rank(method="average", pct=True)
    else:
        mean = grouped.transform("mean")
        std = grouped.transform(lambda c: c.std(ddof=0))
        values = (frame - mean) / std.where(std > 0)
        values = values.where(std > 0, 0.0).where(frame.notna())
    out[:, columns] = values.to_numpy(dtype=float)
    return out
