"""Backend-specific DDL that SQLAlchemy's metadata cannot express.

- SQLite: an R*Tree over each spatial table's bounding-box columns, kept in
  step by triggers, so bbox queries never scan the table.
- PostGIS: a GiST index on each spatial table's geometry.
- Both: triggers that refuse UPDATE and DELETE on the audit log.

Every statement is idempotent, so migrations and ``init`` may run it twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy.engine import Connection

from mineaction.store import rtree_pack


def rtree_name(table: str) -> str:
    """Return the name of the R*Tree that indexes ``table`` on SQLite."""
    return f"rtree_{table}"


def _sqlite_rtree(conn: Connection, table: str) -> None:
    rt = rtree_name(table)
    conn.exec_driver_sql(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {rt} USING rtree(id, min_x, max_x, min_y, max_y)"
    )
    has_box = "NEW.min_x IS NOT NULL"
    create_rtree_insert_trigger(conn, table)
    conn.exec_driver_sql(
        f"CREATE TRIGGER IF NOT EXISTS {rt}_upd AFTER UPDATE OF min_x, min_y, max_x, max_y "
        f"ON {table} BEGIN DELETE FROM {rt} WHERE id = OLD.id; "
        f"INSERT INTO {rt} SELECT NEW.id, NEW.min_x, NEW.max_x, NEW.min_y, NEW.max_y "
        f"WHERE {has_box}; END"
    )
    conn.exec_driver_sql(
        f"CREATE TRIGGER IF NOT EXISTS {rt}_del AFTER DELETE ON {table} BEGIN "
        f"DELETE FROM {rt} WHERE id = OLD.id; END"
    )
    # Rows written before the R*Tree existed (upgrades) or while its triggers were off (a
    # restore) are indexed once: an empty tree is packed from them all at once.
    if conn.exec_driver_sql(f"SELECT 1 FROM {rt} LIMIT 1").first() is None:
        rtree_pack.pack_table(conn, table, rt)
        return
    conn.exec_driver_sql(
        f"INSERT OR IGNORE INTO {rt} SELECT id, min_x, max_x, min_y, max_y FROM {table} "
        f"WHERE min_x IS NOT NULL"
    )


def create_rtree_insert_trigger(conn: Connection, table: str) -> None:
    """Create the SQLite trigger that adds a new row of ``table`` to its R*Tree."""
    rt = rtree_name(table)
    conn.exec_driver_sql(
        f"CREATE TRIGGER IF NOT EXISTS {rt}_ins AFTER INSERT ON {table} "
        f"WHEN NEW.min_x IS NOT NULL BEGIN "
        f"INSERT INTO {rt} VALUES (NEW.id, NEW.min_x, NEW.max_x, NEW.min_y, NEW.max_y); END"
    )


@contextmanager
def rtree_filled_after_inserts(conn: Connection, table: str) -> Iterator[Callable[..., None]]:
    """Within the block, rows inserted into ``table`` go to its R*Tree only when asked (SQLite).

    The insert trigger is dropped for the block and created again after it,
    in the same transaction, so a crash or a rollback leaves it as it was.
    The block calls ``fill(first_id, last_id)`` after inserting rows with ids
    in that range: they go to the R*Tree in one statement instead of one
    trigger call each.  ``fill(first_id, last_id, indexed_ok=True)`` leaves
    out rows the tree holds already (rows changed since they were inserted,
    which the update trigger indexed).
    """
    rt = rtree_name(table)

    def fill(first: int, last: int, *, indexed_ok: bool = False) -> None:
        verb = "INSERT OR IGNORE" if indexed_ok else "INSERT"
        conn.exec_driver_sql(
            f"{verb} INTO {rt} SELECT id, min_x, max_x, min_y, max_y FROM {table} "
            "WHERE id BETWEEN ? AND ? AND min_x IS NOT NULL",
            (first, last),
        )

    conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {rt}_ins")
    try:
        yield fill
    finally:
        create_rtree_insert_trigger(conn, table)


def _sqlite_append_only(conn: Connection, table: str) -> None:
    for op in ("UPDATE", "DELETE"):
        conn.exec_driver_sql(
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
        )


def _pg_append_only(conn: Connection, table: str) -> None:
    conn.exec_driver_sql(
        "CREATE OR REPLACE FUNCTION mineaction_append_only() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        "RAISE EXCEPTION '%% is append-only', TG_TABLE_NAME; END $$"
    )
    conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    conn.exec_driver_sql(
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION mineaction_append_only()"
    )


def install(
    conn: Connection, spatial: Sequence[tuple[str, str]], append_only: Sequence[str]
) -> None:
    """Create spatial indexes and append-only triggers for ``conn``'s backend.

    ``spatial`` lists (table, geometry column) pairs; ``append_only`` the
    tables whose rows may never change.  Migrations pass their own frozen lists.
    """
    if conn.dialect.name == "sqlite":
        for table, _column in spatial:
            _sqlite_rtree(conn, table)
        for table in append_only:
            _sqlite_append_only(conn, table)
    elif conn.dialect.name == "postgresql":
        for table, column in spatial:
            conn.exec_driver_sql(
                f"CREATE INDEX IF NOT EXISTS gix_{table}_{column} ON {table} USING gist ({column})"
            )
        for table in append_only:
            _pg_append_only(conn, table)


def uninstall(conn: Connection, spatial: Sequence[tuple[str, str]]) -> None:
    """Drop the SQLite R*Trees of ``spatial`` (their triggers go with their tables)."""
    if conn.dialect.name == "sqlite":
        for table, _column in spatial:
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {rtree_name(table)}")
