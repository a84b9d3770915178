"""Secondary indexes built once after a large batch of inserts, instead of row by row (SQLite).

Inserting many rows into a table keeps each of its B-tree indexes up to date
with one random insert per row; building an index afresh sorts the whole
column once, which costs a fraction of that when the batch is large next to
what the table already holds (bench/bench_import.py measured it).  The
indexes are dropped and created again inside the writer's transaction: DDL is
transactional in SQLite, so a rollback or a crash leaves them as they were.

Only indexes declared with ``CREATE INDEX`` are dropped; the primary key and
UNIQUE constraints (SQLite's automatic indexes) stay, so uniqueness is still
checked row by row and lookups by those keys stay fast during the batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.engine import Connection

#: Batches smaller than this keep their indexes: the rebuild is not worth it.
MIN_ROWS = 1_000
#: A batch at least this fraction of the rows already in the table rebuilds them.
MIN_SHARE = 0.5


def worth_rebuilding(existing_rows: int, batch_rows: int) -> bool:
    """Return True if ``batch_rows`` new rows are better indexed after the inserts.

    >>> worth_rebuilding(0, 1_000_000), worth_rebuilding(1_000_000, 100_000)
    (True, False)
    >>> worth_rebuilding(0, 500)
    False
    """
    return batch_rows >= MIN_ROWS and batch_rows >= MIN_SHARE * existing_rows


@dataclass
class DeferredIndexes:
    """The secondary indexes of one table, dropped until ``restore`` creates them again."""

    conn: Connection
    table: str
    statements: list[str] = field(default_factory=list)

    def drop(self) -> None:
        """Drop the table's ``CREATE INDEX`` indexes, remembering how to create them (SQLite)."""
        if self.conn.dialect.name != "sqlite" or self.statements:
            return
        rows = self.conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master "
            "WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name",
            (self.table,),
        ).all()
        for name, sql in rows:
            self.conn.exec_driver_sql(f'DROP INDEX "{name}"')
            self.statements.append(str(sql))

    def restore(self) -> None:
        """Create the dropped indexes again, as they were declared."""
        statements, self.statements = self.statements, []
        for sql in statements:
            self.conn.exec_driver_sql(sql)
