"""The bulk writer stores what the ORM would: the same bytes, the same text, a whole R*Tree.

Story: the national IM officer imports a season of findings through the bulk
path.  The positions, the audit snapshots and the SQLite spatial index are
made without the ORM, a chunk at a time; each must come out exactly as the
per-row path makes it (shapely's WKB and WKT, ``json.dumps``, the R*Tree's
insert trigger), and the trigger must be back once the import is over,
whether it was written or refused.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sqlite3
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from sqlalchemy import event, text

from mineaction.intake.bulk import import_table, writer
from mineaction.intake.bulk.audit import snapshot_texts
from mineaction.intake.bulk.points import Points
from mineaction.intake.kinds import get_kind
from mineaction.intake.pipeline import ImportRefused, ImportReport, import_file
from mineaction.intake.readers import open_table
from mineaction.services.audit import verify_chain
from mineaction.store import rollup_ddl
from mineaction.store.database import Database
from mineaction.store.index_rebuild import DeferredIndexes, few_valued
from mineaction.store.rtree_pack import DeferredRTree
from tests.intake.test_bulk import odd_rows, plain_rows, setup_references, write


def test_positions_are_encoded_byte_for_byte_as_shapely_encodes_them() -> None:
    rng = np.random.default_rng(7)
    x = rng.uniform(-180, 180, 500)
    y = rng.uniform(-90, 90, 500)
    x[::9] = np.nan  # rows without a position
    x[1], y[1] = 46.0, -0.0  # whole numbers and a negative zero
    chunk = Points.of(x, y)
    expected = [None if np.isnan(a) else shapely.Point(a, b) for a, b in zip(x, y, strict=True)]
    assert chunk.wkb() == [None if p is None else shapely.to_wkb(p) for p in expected]
    assert chunk.ewkb_hex() == [
        None
        if p is None
        else shapely.to_wkb(shapely.set_srid(p, 4326), hex=True, include_srid=True)
        for p in expected
    ]
    assert chunk.wkt().to_pylist() == [
        None if p is None else shapely.to_wkt(p, rounding_precision=-1) for p in expected
    ]


@pytest.mark.parametrize("decimals", [None, 6, 2, 0, 9], ids=lambda d: f"decimals-{d}")
def test_positions_in_the_country_are_written_as_shapely_writes_their_wkt(
    decimals: int | None,
) -> None:
    # Coordinates of 1 to 1,000 in size have their WKT made by Arrow (``Points.wkt``);
    # a whole chunk of them, as a field team's GPS writes them, with a few rows unplaced.
    rng = np.random.default_rng(decimals or 1)
    x = rng.uniform(44.7, 50.4, 20_000) * rng.choice([1, -1], 20_000)
    y = rng.uniform(38.3, 41.9, 20_000) * rng.choice([1, -1], 20_000)
    if decimals is not None:
        x, y = np.round(x, decimals), np.round(y, decimals)
    x[:3], y[:3] = [1.0, 999.9999999999999, -100.0], [1.0000000000000002, 10.0, 45.1]
    y[::101] = np.nan
    expected = [
        None if np.isnan(b) else shapely.to_wkt(shapely.Point(a, b), rounding_precision=-1)
        for a, b in zip(x, y, strict=True)
    ]
    assert Points.of(x, y).wkt().to_pylist() == expected
    placed = ~np.isnan(y)
    every_row = Points.of(x[placed], y[placed])  # a chunk of placed rows only
    assert every_row.wkt().to_pylist() == [e for e in expected if e]
    assert every_row.wkb() == [
        shapely.to_wkb(shapely.Point(a, b)) for a, b in zip(x[placed], y[placed], strict=True)
    ]


def test_audit_snapshots_are_the_text_json_dumps_writes() -> None:
    rng = random.Random(3)
    texts = ["plain", 'a "quoted" name', "back\\slash", "Ağdam", "Ханкенди", "tab\there", ""]
    n = 200
    columns = {
        "id": list(range(1, n + 1)),
        "source_id": [rng.choice([*texts, None]) for _ in range(n)],
        "found_date": [
            rng.choice([dt.date(2024, 5, 2), dt.date(1999, 12, 31), None]) for _ in range(n)
        ],
        "quantity": [rng.choice([1, 2**31 - 1, None]) for _ in range(n)],
        "geom": [rng.choice(["POINT (46.5 39.75)", None]) for _ in range(n)],
        "approval": "approved",
        "hazard_id": None,
        "model": ["50% charge"] * n,  # the same text in every row, with a % sign
        "activity_id": [None] * n,
        # What Arrow does not write: Python does, as json.dumps would.
        "remark": [rng.choice(["bell\x07", "del\x7f", "ok", None]) for _ in range(n)],
        "cleared": [rng.choice([True, False, None]) for _ in range(n)],
        "serial": [rng.choice([2**70, -(2**63), 5, None]) for _ in range(n)],
        "depth": [rng.choice([0.1, 1e-7, 12.0, None]) for _ in range(n)],
    }
    keys = list(columns)
    got = snapshot_texts(columns, keys, n)
    for i, line in enumerate(got):
        row = {k: (v[i] if isinstance(v, list) else v) for k, v in columns.items()}
        row["found_date"] = row["found_date"] and row["found_date"].isoformat()
        assert line == json.dumps(row)


def rtree_state(db: Database) -> tuple[list[tuple[float, ...]], list[tuple[float, ...]], int]:
    with db.engine.connect() as conn:
        boxes = conn.execute(
            text(
                "SELECT id, min_x, max_x, min_y, max_y FROM findings "
                "WHERE min_x IS NOT NULL ORDER BY id"
            )
        ).all()
        indexed = conn.execute(text("SELECT * FROM rtree_findings ORDER BY id")).all()
        triggers = conn.execute(
            text("SELECT count(*) FROM sqlite_master WHERE name = 'rtree_findings_ins'")
        ).scalar_one()
    return [tuple(b) for b in boxes], [tuple(r) for r in indexed], triggers


@pytest.mark.parametrize("count", [300, 1500], ids=["filled-per-chunk", "packed-at-the-end"])
def test_every_finding_written_in_bulk_is_in_the_rtree(
    sqlite_db: Database, tmp_path: Path, count: int
) -> None:
    # 300 rows go to the R*Tree chunk by chunk; 1,500, large next to the (empty) table, are
    # packed into it once at the end (store/rtree_pack.py), with the per-row code's rows.
    with sqlite_db.session() as s:
        setup_references(s)
        rows = plain_rows(s, count, seed=11)
        rows[150:150] = odd_rows(s)  # the per-row code writes these, between two bulk runs
    report = import_file(sqlite_db, "findings", write(tmp_path / "season.csv", rows))
    assert report.created == len(rows)
    boxes, indexed, triggers = rtree_state(sqlite_db)
    assert len(boxes) >= count
    # The R*Tree keeps 32-bit floats: each box holds the point it was made for.
    assert [b[0] for b in boxes] == [r[0] for r in indexed]
    for (_, x0, x1, y0, y1), (_, rx0, rx1, ry0, ry1) in zip(boxes, indexed, strict=True):
        assert rx0 <= x0 <= x1 <= rx1 and ry0 <= y0 <= y1 <= ry1
    assert triggers == 1
    with sqlite_db.engine.begin() as conn:  # SQLite finds the tree sound, and its trigger is back
        assert conn.execute(text("SELECT rtreecheck('rtree_findings')")).scalar_one() == "ok"
        conn.execute(
            text(
                "INSERT INTO findings (id, found_date, category, quantity, version, approval, "
                "created_at, updated_at, min_x, min_y, max_x, max_y, date_precision) VALUES "
                "(100000, '2024-01-01', 'uxo', 1, 1, 'draft', '2024-01-01', '2024-01-01', "
                "46.5, 39.9, 46.5, 39.9, 'day')"
            )
        )
    assert rtree_state(sqlite_db)[1][-1][0] == 100000


def season_changing_a_bulk_row(
    db: Database,
    tmp_path: Path,
    rows: list[list[Any]],
    *,
    prefix: str,
    at: int,
    change: Callable[[list[Any]], None],
) -> tuple[Path, int]:
    """Store ``rows[0]``; write a season of the other rows with, at ``at``, a row naming the
    season's first (which the bulk path writes) by its export id, changed by ``change``.

    Returns the season's file and the id its first row will get.
    """
    first = [[f"{prefix}-{i}", *row[1:]] for i, row in enumerate(rows)]
    first[1][0] = ""  # no id of its own: an export names it findings-N
    import_file(db, "findings", write(tmp_path / "first.csv", first[:1]), approval="submitted")
    with db.engine.connect() as conn:
        next_id = int(conn.execute(text("SELECT max(id) FROM findings")).scalar_one()) + 1
    changed = [f"findings-{next_id}", *first[1][1:]]
    change(changed)
    return write(tmp_path / "season.csv", [*first[1:at], changed, *first[at:]]), next_id


def import_season(db: Database, season: Path, chunk_rows: int) -> ImportReport:
    """Import ``season`` through the bulk path in chunks of ``chunk_rows``, as submitted."""
    return import_table(
        db, get_kind("findings"), open_table(season), approval="submitted", dry_run=False,
        actor="im-officer", note="import findings season.csv", chunk_rows=chunk_rows,
    )  # fmt: skip


def test_past_the_packing_cap_the_rtree_takes_the_kept_rows_and_a_row_changed_meanwhile(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A large import keeps the boxes it writes to pack the R*Tree at the end, but only up to
    # MAX_PACKED_ROWS (memory); past it the kept rows go to the tree by id range, and must not
    # clash with a kept row the per-row code moved meanwhile (its trigger indexed it already).
    monkeypatch.setattr(writer, "MAX_PACKED_ROWS", 500)
    abandoned: list[int] = []
    keep = DeferredRTree.abandon

    def abandon(self: DeferredRTree) -> list[tuple[int, int]]:
        abandoned.append(self.count)
        return keep(self)

    monkeypatch.setattr(DeferredRTree, "abandon", abandon)
    with sqlite_db.session() as s:
        setup_references(s)
        rows = plain_rows(s, 1100, seed=14)

    def move(row: list[Any]) -> None:  # to another row's point, in its district
        row[3], row[7], row[8] = rows[2][3], rows[2][7], rows[2][8]

    season, moved_id = season_changing_a_bulk_row(
        sqlite_db, tmp_path, rows, prefix="P", at=300, change=move
    )
    report = import_season(sqlite_db, season, chunk_rows=200)
    assert (report.created, report.updated) == (len(rows) - 1, 1)
    assert abandoned == [399]  # two chunks kept (the moved row went row by row), then the cap
    boxes, indexed, triggers = rtree_state(sqlite_db)
    assert len(boxes) == len(rows) and triggers == 1
    assert [b[0] for b in boxes] == [r[0] for r in indexed]
    for (_, x0, x1, y0, y1), (_, rx0, rx1, ry0, ry1) in zip(boxes, indexed, strict=True):
        assert rx0 <= x0 <= x1 <= rx1 and ry0 <= y0 <= y1 <= ry1
    with sqlite_db.engine.connect() as conn:
        assert conn.execute(text("SELECT rtreecheck('rtree_findings')")).scalar_one() == "ok"
        where = conn.execute(
            text("SELECT min_x, min_y FROM findings WHERE id = :id"), {"id": moved_id}
        ).one()
    assert tuple(where) == (float(rows[2][7]), float(rows[2][8]))


def test_a_refused_import_leaves_the_rtree_and_its_trigger_as_they_were(
    sqlite_db: Database, tmp_path: Path
) -> None:
    with sqlite_db.session() as s:
        setup_references(s)
        rows = plain_rows(s, 120, seed=12)
    import_file(sqlite_db, "findings", write(tmp_path / "first.csv", rows[:40]))
    before = rtree_state(sqlite_db)
    bad = [[f"X-{i}", *row[1:]] for i, row in enumerate(rows[40:])]
    bad[-1][4] = "landmine"
    with pytest.raises(ImportRefused):
        import_file(sqlite_db, "findings", write(tmp_path / "second.csv", bad))
    assert rtree_state(sqlite_db) == before
    assert before[2] == 1 and len(before[1]) == 40


def findings_indexes(db: Database) -> list[tuple[str, str]]:
    with db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                "AND tbl_name = 'findings' ORDER BY name"
            )
        ).all()
    return [(str(name), str(sql)) for name, sql in rows]


def test_a_large_import_into_an_empty_table_indexes_every_row_it_wrote(
    sqlite_db: Database, tmp_path: Path
) -> None:
    # Large next to the (empty) table: its many-valued indexes (the date) are dropped and
    # built after the rows, its few-valued ones (the category) kept up to date meanwhile.
    with sqlite_db.session() as s:
        setup_references(s)
        rows = plain_rows(s, 1500, seed=21)
    indexes = findings_indexes(sqlite_db)
    assert len(indexes) >= 8
    dropped: list[str] = []
    drop = DeferredIndexes.drop

    def spy(self: DeferredIndexes, keep: Any = None) -> None:
        drop(self, keep)
        dropped.extend(self.statements)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DeferredIndexes, "drop", spy)
        import_file(sqlite_db, "findings", write(tmp_path / "season.csv", rows))
    assert any("found_date" in sql for sql in dropped)
    assert not any("category" in sql or "approval" in sql for sql in dropped)
    assert findings_indexes(sqlite_db) == indexes
    with sqlite_db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
        # Counted through each index, against the file's own rows.
        by_category, by_date = (
            dict(
                conn.execute(
                    text(
                        f"SELECT {column}, count(*) FROM findings INDEXED BY ix_findings_{column} "
                        f"GROUP BY {column}"
                    )
                ).all()
            )
            for column in ("category", "found_date")
        )
    assert by_category == dict(Counter(row[4] for row in rows))
    assert by_date == dict(Counter(row[1] for row in rows))


def test_a_refused_large_import_leaves_the_indexes_as_they_were(
    sqlite_db: Database, tmp_path: Path
) -> None:
    with sqlite_db.session() as s:
        setup_references(s)
        rows = plain_rows(s, 1500, seed=22)
    indexes = findings_indexes(sqlite_db)
    rows[-1][4] = "landmine"  # the last row is refused, after every chunk was written
    with pytest.raises(ImportRefused):
        import_file(sqlite_db, "findings", write(tmp_path / "season.csv", rows))
    assert findings_indexes(sqlite_db) == indexes
    with sqlite_db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM findings")).scalar_one() == 0
        assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"


def test_deferred_indexes_are_gone_until_restored_and_back_after_a_rollback(
    sqlite_db: Database,
) -> None:
    indexes = findings_indexes(sqlite_db)
    with sqlite_db.engine.connect() as conn, conn.begin() as tx:
        deferred = DeferredIndexes(conn, "findings")
        deferred.drop()
        left = conn.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'findings'")
        ).scalars()
        assert all(name.startswith("sqlite_autoindex") for name in left)  # UNIQUE stays
        tx.rollback()
    assert findings_indexes(sqlite_db) == indexes
    with sqlite_db.engine.begin() as conn:
        deferred = DeferredIndexes(conn, "findings")
        deferred.drop()
        deferred.restore()
    assert findings_indexes(sqlite_db) == indexes


def test_indexes_whose_keys_take_few_values_are_kept(sqlite_db: Database) -> None:
    rows = {
        "category": ["uxo", "ap_mine"] * 50,
        "found_date": [f"2024-01-{day:02d}" for day in range(1, 29)] * 3 + ["2024-02-01"] * 16,
        "approval": "approved",
        "organisation_id": list(range(100)),
    }
    with sqlite_db.engine.connect() as conn, conn.begin() as tx:
        deferred = DeferredIndexes(conn, "findings")
        deferred.drop(keep=few_valued(rows, limit=29))
        left = set(
            conn.execute(
                text(
                    "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'findings'"
                )
            ).scalars()
        )
        tx.rollback()
    kept = {name.removeprefix("ix_findings_") for name in left if name.startswith("ix_")}
    # 2 categories, 1 state and 29 dates are few; 100 operators, and columns not given, are not
    assert kept == {"category", "approval", "found_date"}


@pytest.mark.parametrize("compact_at", [rollup_ddl.WrittenSums.COMPACT_AT, 1])
def test_the_rollup_is_exact_when_the_per_row_code_changes_a_row_written_in_bulk(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, compact_at: int
) -> None:
    # The roll-up takes the bulk rows' sums once, at the end; a row the per-row code writes
    # in between (here an export id naming a finding of the first chunk, a new quantity)
    # must still leave it as a fresh sum of the records makes it.  With ``compact_at`` 1
    # the sums kept are summed together again as chunks come, not only at the end.
    monkeypatch.setattr(rollup_ddl.WrittenSums, "COMPACT_AT", compact_at)
    with db.session() as s:
        setup_references(s)
        rows = plain_rows(s, 140, seed=31)

    def add_seven(row: list[Any]) -> None:
        row[6] = int(row[6]) + 7

    season, _ = season_changing_a_bulk_row(db, tmp_path, rows, prefix="S", at=80, change=add_seven)
    report = import_season(db, season, chunk_rows=30)
    assert (report.created, report.updated) == (len(rows) - 1, 1)
    with db.engine.begin() as conn:
        assert set(rollup_ddl.differences(conn).values()) == {0}
        totals = conn.execute(
            text("SELECT sum(items), sum(records) FROM finding_rollup WHERE dimension = 'operator'")
        ).one()
    expected = sum(int(r[6]) for r in rows) + 7
    assert tuple(totals) == (expected, len(rows))
    # The chain runs on through the chunks and the per-row change between them (the
    # writer keeps its tail between its own chunks, and reads it again after that change).
    chain = verify_chain(db)
    assert chain.intact, chain.reason
    assert chain.entries >= len(rows) + 1


def test_copy_text_stores_what_psycopg_write_row_stores(postgis_db: Database) -> None:
    from mineaction.intake.bulk.copy_text import copy_text, psycopg_dump, write_copy

    when = dt.datetime(2024, 5, 1, 10, 30, 15, 123456, tzinfo=dt.UTC)
    columns = {
        "i": [1, None, -(2**40), 0],
        "t": ["plain", "tab\there", "back\\slash\nnew line\r", None],
        "u": ["Füzuli", "Ağdam", "Шуша", "a\x08b\x0bc\x0cd"],
        "f": [46.93, 0.1 + 0.2, -1e-300, None],
        "d": [dt.date(2024, 2, 29), None, dt.date(1999, 12, 31), dt.date(2024, 2, 29)],
        "ts": when,
        "mixed": [True, 2.5, "x", None],
        "j": ['{"a": "b\\\\c"}', None, "null", '{"geom": "POINT (1 2)"}'],
        "k": [3, 4, 2**53 + 1, -6],
        "g": [0.5, 1e20, -3.25, 2.0],
        "s": ["a", "b\\", "c", "d"],
    }
    ddl = "CREATE TEMP TABLE {} (i bigint, t text, u text, f double precision, d date, "
    ddl += "ts timestamptz, mixed text, j json, k bigint, g double precision, s text)"
    with postgis_db.engine.begin() as conn:
        raw = conn.connection.driver_connection
        cursor = raw.cursor()
        for name in ("by_rows", "by_text"):
            cursor.execute(ddl.format(name))
        names = ", ".join(columns)
        with cursor.copy(f"COPY by_rows ({names}) FROM STDIN") as copy:
            for i in range(4):
                copy.write_row([v[i] if isinstance(v, list) else v for v in columns.values()])
        text_ = copy_text(columns, 4, psycopg_dump(cursor))
        with cursor.copy(f"COPY by_text ({names}) FROM STDIN") as copy:
            write_copy(copy, text_)
        by_rows = cursor.execute(f"SELECT {names.replace('j', 'j::text')} FROM by_rows").fetchall()
        by_text = cursor.execute(f"SELECT {names.replace('j', 'j::text')} FROM by_text").fetchall()
    assert by_text == by_rows
    assert by_rows[1][1] == "tab\there" and by_rows[2][1] == "back\\slash\nnew line\r"
    assert by_rows[0][4] == dt.date(2024, 2, 29) and by_rows[1][3] == 0.1 + 0.2


def test_shared_values_are_bound_once_and_only_they_are_numbered() -> None:
    # Shared columns b and d first, then the rows' own a, c and e.
    rows = 4
    sql = writer._values_clause("INSERT INTO t (b, d, a, c, e)", 2, 3, rows)
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (a, b, c, d, e)")
    own = [[f"a{r}", f"c{r}", f"e{r}"] for r in range(rows)]
    conn.execute(sql, ["B", "D", *[v for row in own for v in row]])
    stored = conn.execute("SELECT a, b, c, d, e FROM t ORDER BY rowid").fetchall()
    assert stored == [(f"a{r}", "B", f"c{r}", "D", f"e{r}") for r in range(rows)]
    # Two numbered names (the shared values), one per row each; the rest plain.
    tokens = sql.replace(",", " ").replace("(", " ").replace(")", " ").split()
    assert [t for t in tokens if t.startswith("?") and t != "?"] == ["?1", "?2"] * rows
    assert tokens.count("?") == 3 * rows


def test_a_column_of_nulls_is_told_from_one_with_values() -> None:
    assert writer._all_none([None, None, None])
    assert not writer._all_none([None, None, 0])
    assert not writer._all_none(["", None])


def test_statements_stay_within_the_connections_limit_of_parameters(
    sqlite_db: Database, tmp_path: Path
) -> None:
    # An SQLite built with a lower limit than the usual 32,766 parameters a statement (older
    # releases had 999): the writer asks the connection, and fits fewer rows a statement.
    sqlite_db.engine.dispose()

    def low_limit(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 250)

    event.listen(sqlite_db.engine, "connect", low_limit)
    try:
        with sqlite_db.session() as s:
            setup_references(s)
            rows = plain_rows(s, 600, seed=23)
        statements: list[int] = []
        clause = writer._values_clause

        def spy(head: str, shared: int, own: int, count: int) -> str:
            statements.append(shared + own * count)
            return clause(head, shared, own, count)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(writer, "_values_clause", spy)
            import_file(sqlite_db, "findings", write(tmp_path / "season.csv", rows))
    finally:
        event.remove(sqlite_db.engine, "connect", low_limit)
    assert statements and max(statements) <= 250
    with sqlite_db.engine.connect() as conn:
        stored = conn.execute(text("SELECT source_id, quantity FROM findings")).all()
    assert sorted(stored) == sorted((row[0], int(row[6])) for row in rows)


def test_a_statements_parameters_are_the_shared_values_then_the_rows_in_order() -> None:
    columns = [["a0", "a1", "a2", "a3"], [10, 11, 12, 13], [None, b"x", None, b"y"]]
    assert writer._parameters(["S"], columns, 1, 2) == ["S", "a1", 11, b"x", "a2", 12, None]
    assert writer._parameters([], columns, 3, 1) == ["a3", 13, b"y"]
    assert writer._parameters(["S", "T"], [], 0, 3) == ["S", "T"]


def test_the_page_cache_suits_the_import_and_is_given_back(
    sqlite_db: Database, tmp_path: Path
) -> None:
    # A large import into an empty table appends at the ends of its trees: a small cache.
    # One into a table that holds many more rows keeps its indexes up to date: a large one.
    # Either way the pooled connection (the web server's next request) gets its own back.
    with sqlite_db.session() as s:
        setup_references(s)
        first = plain_rows(s, 1500, seed=31)
        second = [[f"later-{i}", *row[1:]] for i, row in enumerate(first[:10])]
    with sqlite_db.engine.connect() as conn:
        default = conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
    seen: list[int] = []
    real = writer._executemany

    def spy(conn: Any, table: Any, values: Any, n: int) -> None:
        if table.name == "findings":
            seen.append(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())
        real(conn, table, values, n)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(writer, "_executemany", spy)
        import_file(sqlite_db, "findings", write(tmp_path / "season.csv", first))
        import_file(sqlite_db, "findings", write(tmp_path / "later.csv", second))
    assert set(seen[:-1]) == {-writer.SQLITE_APPEND_CACHE_KIB}
    assert seen[-1] == -writer.SQLITE_CACHE_KIB
    with sqlite_db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar_one() == default
