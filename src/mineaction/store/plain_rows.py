"""A query's rows as the database driver hands them over: plain tuples, no row objects.

For the few reads that bring back tens of thousands of rows at once (a
report's per-hazard list): SQLAlchemy's row objects, and on PostgreSQL the
parsing of every value from text, were a large share of such a report's
time.  On PostgreSQL the rows come in binary (measured on the national data
set: 35,000 rows of six columns in two thirds of the time of text).

No result processor runs, so every column must be one the driver already
returns as its final Python value: text, integers and floats (not dates,
which SQLite's driver returns as text).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session


def plain_rows(session: Session, query: Select[Any]) -> list[tuple[Any, ...]]:
    """Run ``query`` in ``session``'s transaction and return the driver's tuples."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
        driver = conn.connection.driver_connection
        with driver.cursor(binary=True) as cursor:  # type: ignore[union-attr]
            cursor.execute(str(compiled), compiled.params)
            return list(cursor.fetchall())
    result = conn.execute(query)
    try:
        return list(result.cursor.fetchall())
    finally:
        result.close()
