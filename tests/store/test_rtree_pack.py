"""An R*Tree packed in one pass answers as SQLite's own, and SQLite finds nothing wrong in it.

Story: a large import writes a million findings and builds their R*Tree
afresh at the end instead of inserting a million entries.  The tree is
written straight into SQLite's shadow tables, so SQLite's own check
(``rtreecheck``) must pass on it, a box query must return what a tree built
by SQLite returns, the tree must keep working (inserts, updates, deletes)
afterwards, and a rollback must leave the tree as it was.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, Engine

from mineaction.store.rtree_pack import (
    MAX_CELLS,
    PAIRS_PER_STATEMENT,
    ROWID_BATCH,
    DeferredRTree,
    pack_table,
    replace_entries,
    rounded_down,
    rounded_up,
)


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{tmp_path / 'tree.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE VIRTUAL TABLE packed USING rtree(id, min_x, max_x, min_y, max_y)"
        )
        conn.exec_driver_sql(
            "CREATE VIRTUAL TABLE grown USING rtree(id, min_x, max_x, min_y, max_y)"
        )
    return engine


def _boxes(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    ids = rng.permutation(np.arange(1, 3 * n + 1))[:n].astype(np.int64)
    x = rng.uniform(44.7, 50.9, n)
    y = rng.uniform(38.4, 41.9, n)
    wide = rng.uniform(0, 0.05, n) * (rng.random(n) < 0.3)  # a third are boxes, not points
    return ids, np.column_stack([x, x + wide, y, y + wide])


def _grow(conn: Connection, ids: np.ndarray, boxes: np.ndarray) -> None:
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    cursor.executemany(
        "INSERT INTO grown VALUES (?, ?, ?, ?, ?)",
        [(int(i), *map(float, b)) for i, b in zip(ids, boxes, strict=True)],
    )


def _check(conn: Connection, name: str) -> str:
    return str(conn.exec_driver_sql(f"SELECT rtreecheck('{name}')").scalar_one())


def _hits(conn: Connection, name: str, box: tuple[float, float, float, float]) -> list[int]:
    rows = conn.exec_driver_sql(
        f"SELECT id FROM {name} WHERE max_x >= ? AND min_x <= ? AND max_y >= ? AND min_y <= ? "
        "ORDER BY id",
        (box[0], box[1], box[2], box[3]),
    )
    return [int(r[0]) for r in rows]


#: Entries, and the depth of a packed tree holding them (0: the root is the only node).
#: Also around the rows of one INSERT and of one batch of the rowid table.
DEPTHS = {0: 0, 1: 0, MAX_CELLS: 0, MAX_CELLS + 1: 1, 2 * PAIRS_PER_STATEMENT: 1, 2_000: 1}
DEPTHS |= {40_000: 2, ROWID_BATCH + 1: 2}


@pytest.mark.parametrize("n", list(DEPTHS))
def test_a_packed_tree_passes_sqlites_check_and_answers_as_a_grown_one(
    engine: Engine, n: int
) -> None:
    ids, boxes = _boxes(n, seed=n)
    with engine.begin() as conn:
        replace_entries(conn, "packed", ids, boxes)
        _grow(conn, ids, boxes)
    with engine.connect() as conn:
        assert _check(conn, "packed") == "ok"
        stored = conn.exec_driver_sql("SELECT * FROM packed ORDER BY id").all()
        assert stored == conn.exec_driver_sql("SELECT * FROM grown ORDER BY id").all()
        assert len(stored) == n
        rng = np.random.default_rng(n + 1)
        for _ in range(25):
            x, y = rng.uniform(44.7, 50.9), rng.uniform(38.4, 41.9)
            box = (x, x + rng.uniform(0, 1), y, y + rng.uniform(0, 1))
            assert _hits(conn, "packed", box) == _hits(conn, "grown", box)
        depth = conn.exec_driver_sql("SELECT data FROM packed_node WHERE nodeno = 1").scalar_one()
        # Full nodes: as shallow as the count allows (SQLite's own tree is as deep or deeper).
        assert int.from_bytes(depth[:2], "big") == DEPTHS[n]


def test_the_packed_tree_keeps_working_after_inserts_updates_and_deletes(engine: Engine) -> None:
    ids, boxes = _boxes(5_000, seed=3)
    with engine.begin() as conn:
        replace_entries(conn, "packed", ids, boxes)
        _grow(conn, ids, boxes)
    more_ids, more = _boxes(3_000, seed=4)
    more_ids = more_ids + 100_000
    with engine.begin() as conn:
        for name in ("packed", "grown"):
            conn.exec_driver_sql(f"DELETE FROM {name} WHERE id % 3 = 0")
            conn.exec_driver_sql(
                f"UPDATE {name} SET min_x = min_x - 1, max_x = max_x + 1 WHERE id % 5 = 0"
            )
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        cursor.executemany(
            "INSERT INTO packed VALUES (?, ?, ?, ?, ?)",
            [(int(i), *map(float, b)) for i, b in zip(more_ids, more, strict=True)],
        )
        _grow(conn, more_ids, more)
    with engine.connect() as conn:
        assert _check(conn, "packed") == "ok"
        assert (
            conn.exec_driver_sql("SELECT * FROM packed ORDER BY id").all()
            == conn.exec_driver_sql("SELECT * FROM grown ORDER BY id").all()
        )
        for box in [(45.0, 46.0, 39.0, 40.0), (40.0, 60.0, 30.0, 50.0), (47.3, 47.31, 40.1, 40.2)]:
            assert _hits(conn, "packed", box) == _hits(conn, "grown", box)


def test_a_rollback_leaves_the_tree_as_it_was(engine: Engine) -> None:
    ids, boxes = _boxes(300, seed=5)
    with engine.begin() as conn:
        replace_entries(conn, "packed", ids, boxes)
    with engine.connect() as conn:
        before = conn.exec_driver_sql("SELECT * FROM packed ORDER BY id").all()
    with engine.connect() as conn:
        tx = conn.begin()
        replace_entries(conn, "packed", *_boxes(4_000, seed=6))
        assert len(conn.exec_driver_sql("SELECT id FROM packed").all()) == 4_000
        tx.rollback()
        assert conn.exec_driver_sql("SELECT * FROM packed ORDER BY id").all() == before
        assert _check(conn, "packed") == "ok"


def test_coordinates_round_outwards_exactly_as_sqlite_rounds_them() -> None:
    rng = np.random.default_rng(9)
    values = np.concatenate(
        [
            rng.uniform(-180, 180, 20_000),
            rng.normal(0, 1e-3, 5_000),
            np.array([0.0, -0.0, 1.0, -1.0, 0.1, -0.1, 1e30, -1e30, 46.5, 39.75]),
        ]
    )
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING rtree(id, lo, hi)")
    db.executemany(
        "INSERT INTO t VALUES (?, ?, ?)", [(i, v, v) for i, v in enumerate(values.tolist())]
    )
    stored = np.array(db.execute("SELECT lo, hi FROM t ORDER BY id").fetchall())
    assert np.array_equal(rounded_down(values).astype(np.float64), stored[:, 0])
    assert np.array_equal(rounded_up(values).astype(np.float64), stored[:, 1])
    assert np.all(stored[:, 0] <= values) and np.all(stored[:, 1] >= values)


def test_repeated_ids_are_refused(engine: Engine) -> None:
    with engine.begin() as conn, pytest.raises(ValueError, match="appears twice"):
        replace_entries(conn, "packed", np.array([1, 2, 1]), np.zeros((3, 4)))


def test_a_deferred_tree_keeps_the_newer_box_of_a_row_changed_meanwhile(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO packed VALUES (7, 1, 1, 1, 1)")  # held before
        deferred = DeferredRTree(conn, "packed")
        ids, boxes = _boxes(2_000, seed=8)
        ids = ids + 10
        deferred.add(ids[:1_000], boxes[:1_000])
        deferred.add(ids[1_000:], boxes[1_000:])
        # A row added meanwhile went to the tree through its trigger, with a box changed since.
        changed = int(ids[5])
        conn.exec_driver_sql(f"INSERT INTO packed VALUES ({changed}, 2, 2, 2, 2)")
        deferred.pack()
    with engine.connect() as conn:
        assert _check(conn, "packed") == "ok"
        stored = {int(r[0]): tuple(r[1:]) for r in conn.exec_driver_sql("SELECT * FROM packed")}
        assert len(stored) == 2_001
        assert stored[7] == (1.0, 1.0, 1.0, 1.0)
        assert stored[changed] == (2.0, 2.0, 2.0, 2.0)
        x = boxes[9]
        assert stored[int(ids[9])][0] <= x[0] <= stored[int(ids[9])][1]


def test_a_table_packs_its_boxed_rows_with_their_whole_ids(engine: Engine) -> None:
    big = 2**62 + 1  # an id a float would round
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE spots (id INTEGER PRIMARY KEY, min_x, max_x, min_y, max_y)"
        )
        conn.exec_driver_sql(
            f"INSERT INTO spots VALUES (1, 46.5, 46.5, 39.75, 39.75), ({big}, 47, 47.5, 40, 40.5), "
            "(3, NULL, NULL, NULL, NULL)"
        )
        pack_table(conn, "spots", "packed")
    with engine.connect() as conn:
        assert _check(conn, "packed") == "ok"
        stored = conn.exec_driver_sql("SELECT * FROM packed ORDER BY id").all()
    assert stored == [(1, 46.5, 46.5, 39.75, 39.75), (big, 47.0, 47.5, 40.0, 40.5)]


def test_work_beside_the_layout_runs_on_the_connection_and_its_error_is_raised(
    engine: Engine,
) -> None:
    def side_table(conn: Connection) -> None:
        conn.exec_driver_sql("CREATE TABLE side AS SELECT 42 AS answer")

    with engine.begin() as conn:
        DeferredRTree(conn, "packed").pack(meanwhile=lambda: side_table(conn))  # nothing to pack
        deferred = DeferredRTree(conn, "packed")
        deferred.add(*_boxes(3_000, seed=9))
        ran: list[int] = []
        deferred.pack(meanwhile=lambda: ran.append(conn.exec_driver_sql("SELECT 1").scalar_one()))
        assert ran == [1]
        assert conn.exec_driver_sql("SELECT answer FROM side").scalar_one() == 42
        assert _check(conn, "packed") == "ok"
        assert conn.exec_driver_sql("SELECT count(*) FROM packed").scalar_one() == 3_000

    def fails() -> None:
        raise RuntimeError("the index could not be built")

    with pytest.raises(RuntimeError, match="could not be built"), engine.begin() as conn:
        deferred = DeferredRTree(conn, "packed")
        deferred.add(np.array([900_001]), np.array([[45.0, 45.0, 40.0, 40.0]]))
        deferred.pack(meanwhile=fails)
    with engine.connect() as conn:  # rolled back: the tree as the first transaction left it
        assert conn.exec_driver_sql("SELECT count(*) FROM packed").scalar_one() == 3_000
