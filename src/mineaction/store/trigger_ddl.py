"""The triggers that keep every roll-up exact, made from the statements its module writes.

Row triggers on SQLite, statement triggers with transition tables on
PostgreSQL. A roll-up module (``rollup_ddl.py``, ``beneficiary_rollup_ddl.py``)
writes what each trigger does; this module names the triggers
``{table}_ins|del|upd|truncate`` and creates or drops them (and, on
PostgreSQL, their PL/pgSQL functions ``mineaction_{table}_*``). Every
statement is idempotent.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

SUFFIXES = ("ins", "del", "upd", "truncate")
#: The transaction-local setting that names a roll-up whose insert trigger a bulk writer
#: stands in for (PostgreSQL: ``SELECT set_config(OFF_SETTING, table, true)``).
OFF_SETTING = "mineaction.rollup_insert_off"


def sqlite_insert_trigger(conn: Connection, table: str, source: str, body: str) -> None:
    """Create the SQLite trigger running ``body`` (``NEW.`` names the row) after each insert."""
    conn.exec_driver_sql(
        f"CREATE TRIGGER IF NOT EXISTS {table}_ins AFTER INSERT ON {source} BEGIN {body}; END"
    )


def sqlite_triggers(
    conn: Connection,
    table: str,
    source: str,
    *,
    insert: str,
    delete: str,
    update: str,
    counted: tuple[str, ...],
) -> None:
    """Create the SQLite row triggers: ``update`` runs only when a ``counted`` column changed."""
    sqlite_insert_trigger(conn, table, source, insert)
    conn.exec_driver_sql(
        f"CREATE TRIGGER IF NOT EXISTS {table}_del AFTER DELETE ON {source} BEGIN {delete}; END"
    )
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in counted)
    conn.exec_driver_sql(
        f"CREATE TRIGGER IF NOT EXISTS {table}_upd AFTER UPDATE OF {', '.join(counted)} "
        f"ON {source} WHEN {changed} BEGIN {update}; END"
    )


def _pg_function(conn: Connection, name: str, body: str) -> None:
    conn.exec_driver_sql(
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"{body}; RETURN NULL; END $$"
    )


def pg_statement_triggers(
    conn: Connection, table: str, source: str, *, insert: str, delete: str, update: str
) -> None:
    """Create the PostgreSQL statement triggers (``new_rows``/``old_rows``) and a TRUNCATE one.

    A TRUNCATE of the source empties the roll-up.  The insert trigger does
    nothing while the transaction's ``OFF_SETTING`` names the roll-up: a
    bulk writer adds the rows it inserts itself then (``rollup_ddl``).
    """
    off = f"IF current_setting('{OFF_SETTING}', true) = '{table}' THEN RETURN NULL; END IF"
    bodies = {
        "ins": (f"{off}; {insert}", "INSERT", "REFERENCING NEW TABLE AS new_rows "),
        "del": (delete, "DELETE", "REFERENCING OLD TABLE AS old_rows "),
        "upd": (update, "UPDATE", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "),
        "truncate": (f"DELETE FROM {table}", "TRUNCATE", ""),
    }
    for suffix, (body, event, referencing) in bodies.items():
        function = f"mineaction_{table}_{suffix}"
        _pg_function(conn, function, body)
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_{suffix} ON {source}")
        conn.exec_driver_sql(
            f"CREATE TRIGGER {table}_{suffix} AFTER {event} ON {source} "
            f"{referencing}FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
        )


def drop_triggers(conn: Connection, table: str, source: str) -> None:
    """Drop the roll-up's triggers (and, on PostgreSQL, their functions)."""
    for suffix in SUFFIXES:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_{suffix} ON {source}")
            conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS mineaction_{table}_{suffix}()")
        else:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_{suffix}")
