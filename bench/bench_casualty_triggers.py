"""What the casualty roll-up triggers cost a writer, one statement at a time.

On a database at schema 0016 or later (a copy: it writes, then rolls back),
times, with the triggers and with them dropped inside the same transaction,
alternating, ``--rounds`` times:

- inserting a victim (one ``INSERT`` with bound parameters per victim);
- moving an accident to another date (its victims' rows move with it);
- deleting an accident whose victims no assistance record names (the
  foreign key's cascade deletes its victims).

    python bench/bench_casualty_triggers.py --database sqlite:///national-copy.db

Wall and CPU microseconds per statement, medians of the rounds. CPU is this
process's: the whole statement on SQLite, only the client's on PostgreSQL.
Every round is rolled back, but on PostgreSQL the rolled-back rows stay as
dead tuples until a VACUUM: do not time reports on the same copy afterwards
without one.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

from mineaction.store import casualty_rollup_ddl
from mineaction.store.database import Database

INSERT = (
    "INSERT INTO victims (accident_id, sex, age_band, victim_group, outcome, approval, version, "
    "created_at, updated_at) VALUES ({m}, 'male', 'adult', 'civilian', 'killed', 'approved', 1, "
    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
)
FREE = (
    "SELECT a.id FROM accidents a WHERE NOT EXISTS (SELECT 1 FROM victims v JOIN assistance s "
    "ON s.victim_id = v.id WHERE v.accident_id = a.id) ORDER BY a.id DESC LIMIT {n}"
)


def _per_statement(action: Any, items: list[int]) -> tuple[float, float]:
    started, started_cpu = time.perf_counter(), time.process_time()
    for item in items:
        action(item)
    n = max(len(items), 1)
    return (time.perf_counter() - started) / n * 1e6, (time.process_time() - started_cpu) / n * 1e6


def one_round(db: Database, rows: int, *, triggers: bool) -> dict[str, tuple[float, float]]:
    """Time the three writes once, with or without the triggers; roll everything back."""
    postgres = db.engine.dialect.name == "postgresql"
    mark = "%s" if postgres else "?"
    shift = "accident_date + 40" if postgres else "date(accident_date, '+40 days')"
    with db.engine.connect() as conn:
        tx = conn.begin()
        try:
            if not triggers:
                casualty_rollup_ddl.uninstall(conn)
            ids = list(
                conn.exec_driver_sql(f"SELECT id FROM accidents ORDER BY id LIMIT {rows}").scalars()
            )
            free = list(conn.exec_driver_sql(FREE.format(n=rows // 4)).scalars())
            return {
                "insert_victim": _per_statement(
                    lambda i: conn.exec_driver_sql(INSERT.format(m=mark), (i,)), ids
                ),
                "move_accident": _per_statement(
                    lambda i: conn.exec_driver_sql(
                        f"UPDATE accidents SET accident_date = {shift} WHERE id = {mark}", (i,)
                    ),
                    ids[: rows // 4],
                ),
                "delete_accident": _per_statement(
                    lambda i: conn.exec_driver_sql(
                        f"DELETE FROM accidents WHERE id = {mark}", (i,)
                    ),
                    free,
                ),
            }
        finally:
            tx.rollback()


def main(argv: list[str] | None = None) -> int:
    """Run the rounds on the database given; print the medians as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True, metavar="URL", help="a copy at 0016+")
    parser.add_argument("--rows", type=int, default=2000, help="victims inserted per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (default 3)")
    args = parser.parse_args(argv)
    db = Database(args.database)
    results: dict[bool, list[dict[str, tuple[float, float]]]] = {True: [], False: []}
    for _ in range(args.rounds):
        for triggers in (False, True):
            results[triggers].append(one_round(db, args.rows, triggers=triggers))
    out = {
        f"{measure} {'with' if triggers else 'without'} triggers (wall µs, CPU µs)": [
            round(statistics.median(r[measure][i] for r in rounds), 1) for i in (0, 1)
        ]
        for measure in ("insert_victim", "move_accident", "delete_accident")
        for triggers, rounds in ((False, results[False]), (True, results[True]))
    }
    print(json.dumps(out, indent=1, ensure_ascii=False))
    db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
