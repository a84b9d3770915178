"""A loaded column mapping: the RowMapper that turns a foreign file's rows into canonical ones."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, NoReturn

from sqlalchemy.orm import Session

from mineaction.errors import Problem, ValidationError
from mineaction.intake.mapping.areas import AreaMaker, AreaRule
from mineaction.intake.mapping.rules import Condition, Dated, DateRule, FromRule, Rule
from mineaction.intake.readers.base import SourceRow

PRECISION = "date_precision"


@dataclass
class RowSet:
    """One canonical row made from each source row (``rows:``): when it holds, what it sets."""

    when: list[Condition]
    set: dict[str, Rule]


@dataclass
class Mapping:
    """A column mapping read from a YAML file (see docs/import-formats.md, Column mappings).

    ``references`` pairs each YAML key with the source column it names, so that
    ``columns`` can refuse a file that lacks one before any row is read.
    """

    source: str
    rules: dict[str, Rule]
    kind: str | None = None
    country: str | None = None
    description: str | None = None
    row_sets: list[RowSet] = field(default_factory=list)
    filters: list[Condition] = field(default_factory=list)
    create_areas: AreaRule | None = None
    references: list[tuple[str, str]] = field(default_factory=list)
    _areas: AreaMaker | None = field(default=None, repr=False)

    @property
    def areas_created(self) -> int:
        """Return how many areas the last import created (0 before one)."""
        return self._areas.created if self._areas else 0

    def output_columns(self) -> list[str]:
        """Return the canonical columns the mapped rows have, in the mapping's order."""
        names = list(self.rules)
        for row_set in self.row_sets:
            names += [n for n in row_set.set if n not in names]
        rule_sets = [self.rules, *(rs.set for rs in self.row_sets)]
        if PRECISION not in names and any(_is_date(rules.get("date")) for rules in rule_sets):
            names.append(PRECISION)
        return names

    def columns(self, source_columns: list[str]) -> list[str]:
        """Return the canonical columns; refuse when the file lacks a column the mapping names."""
        for key, column in self.references:
            if column not in source_columns:
                close = difflib.get_close_matches(column, source_columns, n=1)
                guess = f"Did you mean {close[0]!r}? " if close else ""
                self._fail(
                    key,
                    f"{key} names the source column {column!r}, which the file does not have.",
                    f"{guess}The file's columns are: {', '.join(source_columns)}.",
                    column,
                )
        return self.output_columns()

    def check_kind(self, kind_name: str) -> None:
        """Refuse to import ``kind_name`` with a mapping made for another kind or its columns."""
        from mineaction.intake.kinds import KINDS

        if self.kind and self.kind != kind_name:
            self._fail(
                "kind",
                f"The mapping is for {self.kind}, not {kind_name}.",
                f"Import the file as {self.kind}, or use the mapping made for {kind_name}.",
                self.kind,
            )
        known = ["id", *KINDS[kind_name].column_names]
        for name in self.output_columns():
            if name not in known:
                self._fail(
                    f"columns.{name}",
                    f"{name!r} is not a column of {kind_name}.",
                    f"The columns of {kind_name} are: {', '.join(known)}.",
                    name,
                )

    def prepare(self, session: Session, *, dry_run: bool) -> None:
        """Start an import in ``session``: areas named by the rows will be created in it."""
        self._areas = AreaMaker(self.create_areas, session) if self.create_areas else None

    def map_rows(self, row: Any) -> list[Any]:
        """Return the canonical rows of ``row``: none when filtered out, one per ``rows`` entry."""
        if not all(c.holds(row) for c in self.filters):
            return []
        if self._areas is not None:
            self._areas.ensure(row)
        if not self.row_sets:
            return [self._make(row, self.rules, list(row.problems))]
        made: list[Any] = []
        for row_set in self.row_sets:
            if all(c.holds(row) for c in row_set.when):
                problems = [] if made else list(row.problems)  # the reader's, once
                made.append(self._make(row, {**self.rules, **row_set.set}, problems))
        return made

    def _make(self, row: Any, rules: dict[str, Rule], problems: list[Problem]) -> SourceRow:
        values: dict[str, Any] = {}
        for name, rule in rules.items():
            value = rule.apply(row, problems)
            if isinstance(value, Dated):
                if name == "date" and PRECISION not in rules:
                    values[PRECISION] = value.precision
                value = value.date
            values[name] = value
        return SourceRow(row.number, values, getattr(row, "geometry", None), problems)

    def _fail(self, key: str, message: str, hint: str, value: object = None) -> NoReturn:
        raise ValidationError(
            f"Column mapping {self.source}: {message}",
            hint=hint,
            problems=[
                Problem(reason=message, field=key, value=value, hint=hint, source=self.source)
            ],
        )


def _is_date(rule: Rule | None) -> bool:
    return isinstance(rule, DateRule) or (isinstance(rule, FromRule) and rule.format is not None)
