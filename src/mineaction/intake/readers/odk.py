"""ODK Central and KoboToolbox exports: plain column names, geopoints split, repeats linked.

``flatten_odk`` turns an export into a table of form fields:

* group prefixes go: ``survey/hazard/area_m2`` or ``survey-area_m2`` → ``area_m2``
  (the full path is kept for both when two fields would get the same name);
* metadata columns go, except ``meta/instanceID`` → ``instance_id``, ``KEY`` →
  ``key`` and ``PARENT_KEY`` → ``parent_key`` (ODK Central), and ``_index`` →
  ``key``, ``_parent_index`` → ``parent_key``, ``_submission__uuid`` →
  ``submission_uuid`` (Kobo);
* a geopoint ``loc`` becomes ``loc_lat``, ``loc_lon``, ``loc_alt`` and
  ``loc_acc``, from a "lat lon alt acc" text, from Kobo's ``_loc_latitude`` …
  columns or from ODK Central's ``loc-Latitude`` … columns.

``open_repeat`` opens a repeat group's table: a sheet of a Kobo .xlsx export,
the ``form-repeat.csv`` of an ODK Central zip, or a ``form-repeat.csv`` file
beside ``form.csv``. Its rows link to the main table through ``parent_key``.
Geotraces and geoshapes are left as text.
"""

from __future__ import annotations

import re
import zipfile
from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from itertools import islice
from pathlib import Path
from typing import NoReturn

from mineaction.errors import Problem
from mineaction.intake.readers.base import OpenOptions, SourceRow, Table, Value, refuse
from mineaction.intake.readers.odk_names import plan_columns
from mineaction.intake.readers.sniff import detect_format
from mineaction.intake.readers.zip_reader import csv_in_zip
from mineaction.intake.readers.zip_safety import check_zip, data_entries

__all__ = ["OdkTable", "flatten_odk", "looks_like_odk", "open_repeat"]

_NUMBER = r"-?\d+(?:\.\d+)?(?:[eE]-?\d+)?"
_DECIMAL = r"-?\d+\.\d+"
#: A geopoint as ODK writes it: "lat lon alt acc" (alt and acc may be missing).
GEOPOINT = re.compile(rf"^\s*{_NUMBER}(?:\s+{_NUMBER}){{1,3}}\s*$")
# Detecting a geopoint column needs decimals, so "1 2 3" (a select_multiple) is not one.
_LIKELY_GEOPOINT = re.compile(rf"^\s*{_DECIMAL}\s+{_DECIMAL}(?:\s+{_NUMBER}){{0,2}}\s*$")
_PEEK_ROWS = 50
_GEOPOINT_SHARE = 0.8
_PARTS = ("lat", "lon", "alt", "acc")


class OdkTable(Table):
    """An ODK or Kobo export with plain field names; reads through the table it wraps."""

    def __init__(self, inner: Table) -> None:
        self.inner = inner
        geopoints = _text_geopoints(inner)
        self.plan = plan_columns(inner.columns, geopoints)
        super().__init__(
            source=inner.source,
            columns=[dst for dst, _src, _part in self.plan],
            has_geometry=inner.has_geometry,
            crs=inner.crs,
        )

    def count_hint(self) -> int | None:
        """Return the wrapped table's estimate."""
        return self.inner.count_hint()

    def rows(self) -> Iterator[SourceRow]:
        """Yield the wrapped rows with their columns renamed and geopoints split."""
        for row in self.inner.rows():
            problems = list(row.problems)
            values: dict[str, Value] = {}
            for dst, src, part in self.plan:
                cell = row.values.get(src)
                if part is None:
                    values[dst] = cell
                elif part == "number":
                    values[dst] = self._number(cell, row.number, src, problems)
                else:
                    values[dst] = self._geopoint_part(cell, part, row.number, src, problems)
            yield SourceRow(row.number, values, row.geometry, problems)

    def _number(self, cell: Value, number: int, src: str, problems: list[Problem]) -> Value:
        if cell is None or isinstance(cell, int | float):
            return cell
        try:
            return float(str(cell))
        except ValueError:
            problems.append(self._problem(number, src, cell, "is not a number"))
            return None

    def _geopoint_part(
        self, cell: Value, part: str, number: int, src: str, problems: list[Problem]
    ) -> Value:
        if cell is None:
            return None
        text = str(cell)
        if not GEOPOINT.match(text):
            if part == "lat":  # report the cell once, not once per part
                problems.append(
                    self._problem(number, src, cell, "is not a geopoint 'lat lon alt acc'")
                )
            return None
        numbers = [float(n) for n in text.split()]
        i = _PARTS.index(part)
        return numbers[i] if i < len(numbers) else None

    def _problem(self, number: int, src: str, cell: Value, what: str) -> Problem:
        return Problem(
            reason=f"row {number}: the value in column {src!r} {what}",
            field=src,
            value=cell,
            hint="re-export the submissions from ODK Central or KoboToolbox without editing them",
            row=number,
            source=self.source,
        )


#: Columns only ODK Central's and KoboToolbox's submission exports have.
_ODK_MARKERS = frozenset(
    {
        "meta-instanceID",
        "meta/instanceID",
        "instanceID",
        "SubmissionDate",
        "KEY",
        "_uuid",
        "_submission_time",
        "_submission__uuid",
    }
)


def looks_like_odk(columns: list[str]) -> bool:
    """Tell whether a table's header is that of an ODK Central or KoboToolbox export.

    >>> looks_like_odk(["SubmissionDate", "date", "position-Latitude", "KEY"])
    True
    >>> looks_like_odk(["id", "date", "lon", "lat"])
    False
    """
    return not _ODK_MARKERS.isdisjoint(columns)


def flatten_odk(table: Table) -> OdkTable:
    """Return the ODK Central / KoboToolbox export ``table`` with plain field names."""
    return table if isinstance(table, OdkTable) else OdkTable(table)


def open_repeat(path: Path, repeat_name: str, *, crs: str | None = None) -> OdkTable:
    """Return the rows of the repeat group ``repeat_name`` of the export at ``path``, flattened.

    A Kobo .xlsx export holds a repeat in the sheet named after it; an ODK Central
    zip holds it as ``<form>-<repeat>.csv``; an unzipped ODK Central export has that
    file beside the main CSV. The repeat may have no rows.
    """
    path = Path(path)
    options = OpenOptions(crs=crs, sheet=repeat_name)
    kind = detect_format(path)
    if kind == "xlsx":
        from mineaction.intake.readers.xlsx_reader import XlsxTable

        return flatten_odk(XlsxTable.open(path, options))
    if kind == "zip":
        with zipfile.ZipFile(path) as zf:
            check_zip(zf, source=path.name)
            csvs = data_entries(zf, ".csv")
        match = [e for e in csvs if e.lower().endswith(f"-{repeat_name.lower()}.csv")]
        if len(match) != 1:
            _refuse_no_repeat(path.name, repeat_name, csvs)
        return flatten_odk(csv_in_zip(path, match[0], options))
    if kind == "csv":
        from mineaction.intake.readers.csv_reader import CsvTable

        sibling = path.with_name(f"{path.stem}-{repeat_name}.csv")
        if not sibling.is_file():
            others = sorted(p.name for p in path.parent.glob(f"{path.stem}-*.csv"))
            _refuse_no_repeat(path.name, repeat_name, others, looked_for=sibling.name)
        return flatten_odk(CsvTable.open(sibling, options))
    refuse(
        path.name,
        f"{path.name} is not an ODK Central or KoboToolbox export, so it has no repeat groups.",
        hint="give the Kobo .xlsx export, or ODK Central's zip or main CSV file",
    )


def _refuse_no_repeat(
    source: str, repeat: str, found: list[str], *, looked_for: str | None = None
) -> NoReturn:
    where = f"no file {looked_for} beside it" if looked_for else f"no -{repeat}.csv file"
    refuse(
        source,
        f"{source} has no repeat group {repeat!r}: there is {where}.",
        hint=("the repeat files found are: " + ", ".join(found))
        if found
        else "export the form again with its repeat groups",
        field="repeat",
        value=repeat,
    )


def _text_geopoints(table: Table) -> set[str]:
    """Return the columns whose first non-empty values all read as 'lat lon alt acc'."""
    seen: Counter[str] = Counter()
    points: Counter[str] = Counter()
    with closing(table.rows()) as rows:  # type: ignore[type-var]
        for row in islice(rows, _PEEK_ROWS):
            for name, cell in row.values.items():
                if cell is not None:
                    seen[name] += 1
                    points[name] += isinstance(cell, str) and _plausible_point(cell)
    # Most, not all: one mistyped geopoint is reported on its row, not hidden.
    return {name for name, n in seen.items() if points[name] >= _GEOPOINT_SHARE * n}


def _plausible_point(text: str) -> bool:
    if not _LIKELY_GEOPOINT.match(text):
        return False
    lat, lon = (float(n) for n in text.split()[:2])
    return -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0
