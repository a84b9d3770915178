"""A large import into PostgreSQL with the table to itself: its keys checked once, at the end.

On PostgreSQL most of a large import's time is the server's (bench/bench_import.py):
for every row, each B-tree and the GiST index take an insert, and each foreign key
looks up and locks the row it names.  Built after the rows instead, an index
sorts its column once and a foreign key is checked by one join: a million
findings went from 42 to 25 s.

The price is the table.  Dropping an index or a foreign key holds the table
exclusively until the import commits: every reader of the findings (the web
map, the API, a report) would wait for the whole import, and every writer to
the tables a key names (organisations, districts, hazards, activities,
models) as well.  So it is done only where that harms no one: an import from
the command line, large next to the table, while no other program is connected
to the database (``nobody_else``), as an SQLite import takes the file only
when no one else has it open (``load_journal.py``).  A program that connects
during the import waits for it, as for any lock.  The indexes and keys are
dropped and made again inside the import's transaction: DDL is transactional
in PostgreSQL, so a rollback or a crash leaves them as they were, and a row
that broke a key (none can: every reference was checked before writing)
would fail the import when the key is made again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.engine import Connection

from mineaction.store.database import own_backends


def nobody_else(conn: Connection) -> bool:
    """Tell whether no other program holds a connection to ``conn``'s PostgreSQL database.

    Connections of this process (open in any of its pools) do not count.
    """
    # The server keeps what a transaction first read of pg_stat_activity until it ends.
    conn.execute(text("SELECT pg_stat_clear_snapshot()"))
    others = conn.execute(
        text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
        )
    ).scalars()
    return not set(others) - own_backends()


@dataclass
class DeferredForeignKeys:
    """The foreign keys of one table (PostgreSQL), dropped until ``restore`` adds them again."""

    conn: Connection
    table: str
    statement: str | None = None
    keys: list[str] = field(default_factory=list)

    def drop(self) -> None:
        """Drop the table's foreign keys, remembering their definitions (PostgreSQL only)."""
        if self.conn.dialect.name != "postgresql" or self.statement is not None:
            return
        rows = self.conn.execute(
            text(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = CAST(:table AS regclass) AND contype = 'f' ORDER BY conname"
            ),
            {"table": self.table},
        ).all()
        if not rows:
            return
        quote = self.conn.dialect.identifier_preparer.quote
        table = quote(self.table)
        self.keys = [str(name) for name, _ in rows]
        drops = ", ".join(f"DROP CONSTRAINT {quote(name)}" for name in self.keys)
        self.conn.exec_driver_sql(f"ALTER TABLE {table} {drops}")
        adds = ", ".join(f"ADD CONSTRAINT {quote(name)} {sql}" for name, sql in rows)
        self.statement = f"ALTER TABLE {table} {adds}"

    def restore(self) -> None:
        """Add the dropped keys again: each checks every row of the table once."""
        statement, self.statement, self.keys = self.statement, None, []
        if statement is not None:
            self.conn.exec_driver_sql(statement)
