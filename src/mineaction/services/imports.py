"""Importing an uploaded file for a user: the CLI's pipeline, with the user's role applied.

An operator officer's rows arrive as ``submitted`` and must be their own
organisation's (an empty operator cell becomes it); the national roles'
imports are ``approved`` as from the command line.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from mineaction.errors import Problem
from mineaction.intake import pipeline
from mineaction.intake.readers.base import SourceRow
from mineaction.services.catalogue import KindInfo
from mineaction.services.policy import Principal, require
from mineaction.store.database import Database
from mineaction.store.tables import Organisation


class OwnOperatorRows:
    """A row mapper that keeps an operator officer's rows to their own organisation."""

    def __init__(self, code: str) -> None:
        self.code = code

    def columns(self, source_columns: list[str]) -> list[str]:
        """Return the file's columns, with ``operator`` added when it is missing."""
        return source_columns if "operator" in source_columns else [*source_columns, "operator"]

    def prepare(self, session: Session, *, dry_run: bool) -> None:
        """Nothing has to exist before the rows are written."""

    def map_rows(self, row: Any) -> list[Any]:
        """Return the row with the officer's organisation as operator, or with a problem."""
        given = row.values.get("operator")
        values = dict(row.values)
        problems = list(row.problems)
        if given is None or not str(given).strip():
            values["operator"] = self.code
        elif str(given).strip().casefold() != self.code.casefold():
            problems.append(
                Problem(
                    reason=f"An officer of {self.code} imports only {self.code}'s work.",
                    field="operator",
                    value=given,
                    row=row.number,
                    hint=f"Write {self.code} or leave the cell empty.",
                )
            )
        return [SourceRow(row.number, values, getattr(row, "geometry", None), problems)]


def import_upload(
    db: Database, info: KindInfo, path: Path, *, who: Principal, dry_run: bool = False
) -> pipeline.ImportReport:
    """Import ``path`` as records of ``info`` for ``who``; raise ImportRefused on bad rows."""
    require(who, "import", info.name)
    require(who, "create", info.name)
    assert info.writable is not None
    mapping = None
    if who.role == "operator_officer":
        with db.session() as session:
            code = session.get_one(Organisation, who.organisation_id).code
        mapping = OwnOperatorRows(code)
    report = pipeline.import_file(
        db,
        info.writable,
        path,
        approval="submitted" if who.role == "operator_officer" else "approved",
        dry_run=dry_run,
        actor=who.username,
        mapping=mapping,
    )
    return replace(report, source=path.name)
