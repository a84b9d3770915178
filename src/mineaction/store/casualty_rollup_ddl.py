"""The triggers that keep the casualty roll-ups exact, their rebuild and their check.

``accident_rollup`` counts accidents per month and approval state;
``victim_rollup`` counts victims per month of their accident, the accident's
and the victim's approval states, one dimension's member and the outcome
(``store/tables/rollups.py``). A victim's month, district, device and
accident approval are its accident's, so both tables move on writes to
either source:

- a victim's insert, delete or update moves its own rows, read with its
  accident as the accident is now;
- an accident's update moves the accident and all its victims' rows from the
  accident's old values to its new ones;
- an accident's delete takes its victims away *before* the row goes (a
  ``BEFORE DELETE`` row trigger), because the ``ON DELETE CASCADE`` then
  deletes them when the accident can no longer be read: their own delete
  trigger finds no accident and moves nothing.

As for the operations roll-ups (``store/rollup_ddl.py``), SQLite uses row
triggers and PostgreSQL statement triggers with transition tables (plus the
one row trigger above); a roll-up row whose count falls to 0 is deleted.
Every DDL statement here is idempotent.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from mineaction.store.rollup_ddl import month_sql

VICTIM_KEY = (
    "month_start, accident_approval, victim_approval, dimension, member, member_id, outcome"
)
ACCIDENT_KEY = "month_start, approval"
#: dimension → (member, member_id) as SQL over the joined victim and accident columns.
DIMENSIONS = (
    ("group", "j.victim_group", "0"),
    ("sex", "j.sex", "0"),
    ("age", "j.age_band", "0"),
    ("device", "j.device_category", "0"),
    ("district", "''", "coalesce(j.admin_area_id, 0)"),
)
#: The columns whose change moves a victim's or an accident's rows.
VICTIM_COUNTED = ("accident_id", "approval", "victim_group", "sex", "age_band", "outcome")
ACCIDENT_COUNTED = ("accident_date", "approval", "device_category", "admin_area_id")
TABLES = ("accident_rollup", "victim_rollup")


def _victim_parts(dialect: str, source: str, *, v: str = "v", a: str = "a", sign: str = "") -> str:
    """Each victim of ``source`` (naming victim ``v``, accident ``a``) once per dimension: key, ±1.

    The victim is joined to its accident once and crossed with the dimensions'
    names, rather than joined once per dimension: a statement a fifth the size
    for SQLite to compile into each trigger program and PostgreSQL to plan.
    """
    names = " UNION ALL ".join(f"SELECT '{dim}' AS dimension" for dim, _m, _i in DIMENSIONS)
    member = " ".join(f"WHEN '{dim}' THEN {m}" for dim, m, _i in DIMENSIONS)
    member_id = " ".join(f"WHEN '{dim}' THEN {i}" for dim, _m, i in DIMENSIONS)
    joined = (
        f"SELECT {month_sql(dialect, f'{a}.accident_date')} AS month_start, "
        f"{a}.approval AS accident_approval, {v}.approval AS victim_approval, "
        f"{v}.victim_group, {v}.sex, {v}.age_band, {a}.device_category, {a}.admin_area_id, "
        f"{v}.outcome FROM {source}"
    )
    return (
        "SELECT j.month_start, j.accident_approval, j.victim_approval, d.dimension, "
        f"CASE d.dimension {member} END AS member, CASE d.dimension {member_id} END AS member_id, "
        f"j.outcome, {sign}1 AS n FROM ({joined}) AS j CROSS JOIN ({names}) AS d"
    )


def _accident_parts(dialect: str, source: str, *, a: str = "a", sign: str = "") -> str:
    return (
        f"SELECT {month_sql(dialect, f'{a}.accident_date')} AS month_start, "
        f"{a}.approval AS approval, {sign}1 AS n FROM {source}"
    )


def _grouped(key: str, parts: str, *, having: bool = True) -> str:
    keep = " HAVING sum(n) <> 0" if having else ""
    # The WHERE keeps SQLite from reading ON CONFLICT as a join's ON.
    return f"SELECT {key}, sum(n) FROM ({parts}) AS d WHERE 1 = 1 GROUP BY {key}{keep}"


def _upsert(table: str, key: str, count: str, parts: str) -> str:
    return (
        f"INSERT INTO {table} ({key}, {count}) {_grouped(key, parts)} "
        f"ON CONFLICT ({key}) DO UPDATE SET {count} = {table}.{count} + excluded.{count}"
    )


def _move_victims(parts: str) -> str:
    return _upsert("victim_rollup", VICTIM_KEY, "victims", parts)


def _move_accidents(parts: str) -> str:
    return _upsert("accident_rollup", ACCIDENT_KEY, "accidents", parts)


def _emptied(table: str, count: str, taken: str) -> str:
    """Delete the rows of ``table`` whose count is 0, in the months the ``taken`` rows hold."""
    return (
        f"DELETE FROM {table} WHERE {count} = 0 AND month_start IN "
        f"(SELECT month_start FROM ({taken}) AS t)"
    )


def _victims_emptied(taken: str) -> str:
    return _emptied("victim_rollup", "victims", taken)


def _accidents_emptied(taken: str) -> str:
    return _emptied("accident_rollup", "accidents", taken)


def _changed(columns: tuple[str, ...]) -> str:
    return " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)


def _sqlite_statements(d: str = "sqlite") -> dict[str, tuple[str, str, list[str]]]:
    """Trigger name → (timing and event, WHEN clause, body statements) on SQLite."""
    of_old = "accidents a WHERE a.id = OLD.accident_id"
    of_new = "accidents a WHERE a.id = NEW.accident_id"
    v_old = _victim_parts(d, of_old, v="OLD", sign="-")
    v_new = _victim_parts(d, of_new, v="NEW")
    mine_old = _victim_parts(d, "victims v WHERE v.accident_id = OLD.id", a="OLD", sign="-")
    mine_new = _victim_parts(d, "victims v WHERE v.accident_id = NEW.id", a="NEW")
    a_old = _accident_parts(d, "(SELECT 1) AS one", a="OLD", sign="-")
    a_new = _accident_parts(d, "(SELECT 1) AS one", a="NEW")
    return {
        "victim_rollup_ins": ("AFTER INSERT ON victims", "", [_move_victims(v_new)]),
        "victim_rollup_del": (
            "AFTER DELETE ON victims",
            "",
            [_move_victims(v_old), _victims_emptied(v_old)],
        ),
        "victim_rollup_upd": (
            f"AFTER UPDATE OF {', '.join(VICTIM_COUNTED)} ON victims",
            _changed(VICTIM_COUNTED),
            [_move_victims(f"{v_old} UNION ALL {v_new}"), _victims_emptied(v_old)],
        ),
        "accident_rollup_ins": ("AFTER INSERT ON accidents", "", [_move_accidents(a_new)]),
        "accident_rollup_del": (
            "BEFORE DELETE ON accidents",
            "",
            [
                _move_accidents(a_old),
                _accidents_emptied(a_old),
                _move_victims(mine_old),
                _victims_emptied(mine_old),
            ],
        ),
        "accident_rollup_upd": (
            f"AFTER UPDATE OF {', '.join(ACCIDENT_COUNTED)} ON accidents",
            _changed(ACCIDENT_COUNTED),
            [
                _move_accidents(f"{a_old} UNION ALL {a_new}"),
                _accidents_emptied(a_old),
                _move_victims(f"{mine_old} UNION ALL {mine_new}"),
                _victims_emptied(mine_old),
            ],
        ),
    }


def _sqlite(conn: Connection) -> None:
    for name, (event, when, body) in _sqlite_statements().items():
        condition = f" WHEN {when}" if when else ""
        statements = "".join(f"{s}; " for s in body)
        conn.exec_driver_sql(
            f"CREATE TRIGGER IF NOT EXISTS {name} {event} FOR EACH ROW{condition} "
            f"BEGIN {statements}END"
        )


def _pg_bodies(d: str = "postgresql") -> dict[str, tuple[str, str, str, list[str]]]:
    """Trigger name → (source table, event, REFERENCING/level clause, body) on PostgreSQL."""
    v_old = _victim_parts(d, "old_rows v JOIN accidents a ON a.id = v.accident_id", sign="-")
    v_new = _victim_parts(d, "new_rows v JOIN accidents a ON a.id = v.accident_id")
    moved_old = _victim_parts(d, "victims v JOIN old_rows a ON a.id = v.accident_id", sign="-")
    moved_new = _victim_parts(d, "victims v JOIN new_rows a ON a.id = v.accident_id")
    row_old = _victim_parts(d, "victims v WHERE v.accident_id = OLD.id", a="OLD", sign="-")
    a_old = _accident_parts(d, "old_rows a", sign="-")
    a_new = _accident_parts(d, "new_rows a")
    statement = "FOR EACH STATEMENT"
    return {
        "victim_rollup_ins": (
            "victims", "AFTER INSERT", f"REFERENCING NEW TABLE AS new_rows {statement}",
            [_move_victims(v_new)],
        ),
        "victim_rollup_del": (
            "victims", "AFTER DELETE", f"REFERENCING OLD TABLE AS old_rows {statement}",
            [_move_victims(v_old), _victims_emptied(v_old)],
        ),
        "victim_rollup_upd": (
            "victims", "AFTER UPDATE",
            f"REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows {statement}",
            [_move_victims(f"{v_old} UNION ALL {v_new}"), _victims_emptied(v_old)],
        ),
        "victim_rollup_truncate": (
            "victims", "AFTER TRUNCATE", statement, ["DELETE FROM victim_rollup"],
        ),
        "accident_rollup_ins": (
            "accidents", "AFTER INSERT", f"REFERENCING NEW TABLE AS new_rows {statement}",
            [_move_accidents(a_new)],
        ),
        "accident_rollup_del": (
            "accidents", "AFTER DELETE", f"REFERENCING OLD TABLE AS old_rows {statement}",
            [_move_accidents(a_old), _accidents_emptied(a_old)],
        ),
        # Before the row goes: the cascade deletes its victims once it cannot be read.
        "accident_rollup_del_victims": (
            "accidents", "BEFORE DELETE", "FOR EACH ROW",
            [_move_victims(row_old), _victims_emptied(row_old)],
        ),
        "accident_rollup_upd": (
            "accidents", "AFTER UPDATE",
            f"REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows {statement}",
            [
                _move_accidents(f"{a_old} UNION ALL {a_new}"),
                _accidents_emptied(a_old),
                _move_victims(f"{moved_old} UNION ALL {moved_new}"),
                _victims_emptied(moved_old),
            ],
        ),
        "accident_rollup_truncate": (
            "accidents", "AFTER TRUNCATE", statement,
            ["DELETE FROM accident_rollup", "DELETE FROM victim_rollup"],
        ),
    }  # fmt: skip


def _pg(conn: Connection) -> None:
    for name, (source, event, level, body) in _pg_bodies().items():
        function = f"mineaction_{name}"
        returns = "OLD" if event == "BEFORE DELETE" else "NULL"
        statements = "".join(f"{s}; " for s in body)
        conn.exec_driver_sql(
            f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {statements}RETURN {returns}; END $$"
        )
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON {source}")
        conn.exec_driver_sql(
            f"CREATE TRIGGER {name} {event} ON {source} {level} EXECUTE FUNCTION {function}()"
        )


def install(conn: Connection) -> None:
    """Create the casualty roll-ups' triggers for ``conn``'s backend (the tables must exist)."""
    if conn.dialect.name == "postgresql":
        _pg(conn)
    else:
        _sqlite(conn)


def uninstall(conn: Connection) -> None:
    """Drop the casualty roll-ups' triggers (and, on PostgreSQL, their functions)."""
    if conn.dialect.name == "postgresql":
        for name, (source, *_rest) in _pg_bodies().items():
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON {source}")
            conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS mineaction_{name}()")
    else:
        for name in _sqlite_statements():
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")


def summed(dialect: str) -> dict[str, tuple[str, str]]:
    """Return, per roll-up, its key and the SELECT of its rows as the records make them now."""
    joined = "victims v JOIN accidents a ON a.id = v.accident_id"
    return {
        "accident_rollup": (
            ACCIDENT_KEY,
            _grouped(ACCIDENT_KEY, _accident_parts(dialect, "accidents a"), having=False),
        ),
        "victim_rollup": (
            VICTIM_KEY,
            _grouped(VICTIM_KEY, _victim_parts(dialect, joined), having=False),
        ),
    }


COUNTS = {"accident_rollup": "accidents", "victim_rollup": "victims"}


def rebuild(conn: Connection) -> None:
    """Make both casualty roll-ups again from the records (in ``conn``'s transaction)."""
    for table, (key, select) in summed(conn.dialect.name).items():
        conn.exec_driver_sql(f"DELETE FROM {table}")
        conn.exec_driver_sql(f"INSERT INTO {table} ({key}, {COUNTS[table]}) {select}")


def differences(conn: Connection) -> dict[str, int]:
    """Return, per casualty roll-up, how many of its rows differ from a count made afresh."""
    out = {}
    for table, (key, select) in summed(conn.dialect.name).items():
        width = key.count(",") + 1
        stored = {
            tuple(str(x) for x in row[:width]): int(row[width])
            for row in conn.exec_driver_sql(f"SELECT {key}, {COUNTS[table]} FROM {table}")
        }
        fresh = {
            tuple(str(x) for x in row[:width]): int(row[width])
            for row in conn.exec_driver_sql(select)
        }
        out[table] = sum(1 for k in stored.keys() | fresh.keys() if stored.get(k) != fresh.get(k))
    return out
