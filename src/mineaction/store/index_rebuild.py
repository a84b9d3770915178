"""Secondary indexes built once after a large batch of inserts, instead of row by row.

Inserting many rows into a table keeps each of its B-tree indexes up to date
with one random insert per row; building an index afresh sorts the whole
column once, which costs a fraction of that when the batch is large next to
what the table already holds (bench/bench_import.py measured it).  The
indexes are dropped and created again inside the writer's transaction: DDL is
transactional in SQLite and PostgreSQL, so a rollback or a crash leaves them
as they were.  SQLite's readers keep reading the indexes of their snapshot; on
PostgreSQL dropping an index holds the table until the commit, so there it is
done only with the table to itself (``store/table_alone.py``).

Not every index gains.  When the batch's keys take few values (an approval
state, a category, an operator, a district), each new row, whose rowid is
larger than any before it, goes at the end of its key's run: a handful of
places in the tree, whose pages stay in the cache, so keeping the index up
to date costs little, and it is done as the rows go in, beside the work that
prepares the next ones; rebuilding it would sort every row again at the end,
when nothing else runs.  So ``few_valued`` lets the caller keep those.
A million findings imported 10 % faster for it (bench/bench_import.py:
keeping five such indexes saved 2.4 s of rebuilding and cost 1.2 s more
writing; kept as well, the date index, 1,460 values, cost 2 s more than its
rebuild).

Only indexes declared with ``CREATE INDEX`` are dropped (on PostgreSQL the
GiST index too); the primary key and UNIQUE constraints (SQLite's automatic
indexes) stay, so uniqueness is still checked row by row and lookups by those
keys stay fast during the batch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Connection

#: Batches smaller than this keep their indexes: the rebuild is not worth it.
MIN_ROWS = 1_000
#: A batch at least this fraction of the rows already in the table rebuilds them.
MIN_SHARE = 0.5
#: An index whose key takes at most this many values among the rows is kept up to date.
MAX_LIVE_KEYS = 100


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

    def drop(self, keep: Callable[[tuple[str, ...]], bool] | None = None) -> None:
        """Drop the table's ``CREATE INDEX`` indexes, remembering how to create them.

        ``keep(columns)`` (the index's key columns; none for an expression)
        says which to leave in place.
        """
        if self.statements:
            return
        for name, sql, columns in self._declared():
            if keep is not None and keep(columns):
                continue
            self.conn.exec_driver_sql(f'DROP INDEX "{name}"')
            self.statements.append(sql)

    def _declared(self) -> list[tuple[str, str, tuple[str, ...]]]:
        """Return the name, definition and key columns of each index ``drop`` may drop."""
        if self.conn.dialect.name == "postgresql":
            rows = self.conn.exec_driver_sql(_PG_INDEXES, {"table": self.table}).all()
            return [(str(name), str(sql), tuple(columns)) for name, sql, columns in rows]
        rows = self.conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master "
            "WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name",
            (self.table,),
        ).all()
        return [(str(name), str(sql), self._sqlite_columns(name)) for name, sql in rows]

    def _sqlite_columns(self, index: str) -> tuple[str, ...]:
        info = self.conn.exec_driver_sql(f'PRAGMA index_info("{index}")').all()
        if any(row[1] < 0 for row in info):  # an expression: cid -2
            return ()
        return tuple(str(row[2]) for row in sorted(info))  # seqno, cid, name

    def restore(self) -> None:
        """Create the dropped indexes again, as they were declared."""
        statements, self.statements = self.statements, []
        for sql in statements:
            self.conn.exec_driver_sql(sql)


#: The indexes of a PostgreSQL table that are neither its primary key nor UNIQUE: name,
#: definition, and key columns (none if the key holds an expression).
_PG_INDEXES = """
SELECT c.relname, pg_get_indexdef(i.indexrelid),
       CASE WHEN 0 = ANY (i.indkey::int2[]) THEN ARRAY[]::text[] ELSE ARRAY(
           SELECT a.attname::text
           FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k (attnum, n)
           JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
           ORDER BY k.n) END
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = CAST(%(table)s AS regclass) AND NOT i.indisprimary AND NOT i.indisunique
ORDER BY c.relname
"""


def few_valued(
    values: Mapping[str, Any], limit: int = MAX_LIVE_KEYS
) -> Callable[[tuple[str, ...]], bool]:
    """Return ``keep`` for ``DeferredIndexes.drop``: True for a key of at most ``limit`` values.

    ``values`` maps columns to the rows' values (a list, or one value all rows
    share); a key with a column missing from it (an expression) is not kept.

    >>> keep = few_valued({"kind": ["a", "b", "a"], "day": [1, 2, 3], "state": "ok"}, limit=2)
    >>> keep(("kind",)), keep(("day",)), keep(("state",)), keep(("kind", "day")), keep(("x",))
    (True, False, True, False, False)
    """

    def keep(columns: tuple[str, ...]) -> bool:
        if not columns or any(c not in values for c in columns):
            return False
        lists = [values[c] for c in columns if isinstance(values[c], list)]
        return not lists or len(set(zip(*lists, strict=True))) <= limit

    return keep
