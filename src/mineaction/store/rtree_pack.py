"""An SQLite R*Tree built in one pass from all its entries, instead of one insert at a time.

Inserting into an R*Tree finds a leaf, rewrites its node and, now and then,
splits nodes up to the root: for a million points that was the largest
single cost of a bulk import (``bench/bench_import.py``).  When a batch is
large next to what the tree holds, it is cheaper to build the whole tree
again from its entries, packed the way a static R-tree is built (Leutenegger,
Lopez and Edgington's Sort-Tile-Recursive: slices by x, runs by y in each
slice, and the same again one level up), and to write its nodes straight
into the shadow tables SQLite keeps for the virtual table.

The shadow tables' format is SQLite's file format for ``rtree`` (documented
at the top of its ``rtree.c``, and stable as every file format of SQLite):

- ``<name>_node(nodeno INTEGER PRIMARY KEY, data BLOB)``: every node is a
  blob of the same size as the root's (node 1).  Its first two bytes hold,
  on the root only, the tree's depth (0: the root is a leaf); the next two
  the number of cells; then the cells, each an 8-byte id (a row's id in a
  leaf, a child's node number above) and the box as 32-bit floats
  (min x, max x, min y, max y), all big-endian; zeros to the end.
- ``<name>_rowid(rowid INTEGER PRIMARY KEY, nodeno)``: the leaf of each id.
- ``<name>_parent(nodeno INTEGER PRIMARY KEY, parentnode)``: the parent of
  every node but the root.

Coordinates are rounded to 32-bit floats outwards, as SQLite rounds them on
insert (a minimum down, a maximum up), so a box in the tree always holds the
row's own box.  SQLite's ``rtreecheck()`` verifies what is written here
(``tests/store/test_rtree_pack.py`` runs it on every tree it builds).
Everything happens in the caller's transaction: a rollback restores the tree.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain, pairwise
from typing import Any

import numpy as np
from sqlalchemy.engine import Connection

#: The most cells SQLite puts in one node (``RTREE_MAXCELLS``).
MAX_CELLS = 51
#: Bytes before the first cell of a node: depth (root only) and cell count.
NODE_HEADER = 4
#: A cell of a 2-D ``rtree``: the id, then four 32-bit coordinates.
CELL = np.dtype([("id", ">i8"), ("box", ">f4", (4,))])
#: Entries of the rowid table handed to SQLite at a time (memory, not speed).
ROWID_BATCH = 65_536
#: Rows of two values in one INSERT (SQLite before 3.32 takes at most 999 parameters).
PAIRS_PER_STATEMENT = 499
#: SQLite's factors for rounding a coordinate off a float (``RNDTOWARDS``, ``RNDAWAY``).
TOWARDS_ZERO = 1.0 - 1.0 / 8388608.0
AWAY_FROM_ZERO = 1.0 + 1.0 / 8388608.0


def rounded_down(values: np.ndarray) -> np.ndarray:
    """Return ``values`` as 32-bit floats no greater than them, as SQLite's R*Tree rounds a minimum.

    >>> float(rounded_down(np.array([0.1]))[0]) <= 0.1
    True
    """
    d = np.asarray(values, dtype=np.float64)
    f = d.astype(np.float32)
    over = f > d
    if over.any():
        factor = np.where(d[over] < 0, AWAY_FROM_ZERO, TOWARDS_ZERO)
        f[over] = (d[over] * factor).astype(np.float32)
    return f


def rounded_up(values: np.ndarray) -> np.ndarray:
    """Return ``values`` as 32-bit floats no less than them, as SQLite's R*Tree rounds a maximum.

    >>> float(rounded_up(np.array([0.1]))[0]) >= 0.1
    True
    """
    d = np.asarray(values, dtype=np.float64)
    f = d.astype(np.float32)
    under = f < d
    if under.any():
        factor = np.where(d[under] < 0, TOWARDS_ZERO, AWAY_FROM_ZERO)
        f[under] = (d[under] * factor).astype(np.float32)
    return f


@dataclass
class _Level:
    """The nodes of one level: their cells in order and where each node's cells start."""

    cells: np.ndarray  # CELL records, node after node
    starts: np.ndarray  # index of each node's first cell; one more entry at the end


def _tiles(boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return an order of ``boxes`` and the node each falls in, tiled as Sort-Tile-Recursive does.

    Nodes hold at most ``MAX_CELLS`` cells and, as the slices and runs are
    cut into near-equal parts, rarely fewer than half of that.
    """
    n = len(boxes)
    nodes = -(-n // MAX_CELLS)
    slices = int(np.ceil(np.sqrt(nodes)))
    cx = boxes[:, 0].astype(np.float64) + boxes[:, 1]
    cy = boxes[:, 2].astype(np.float64) + boxes[:, 3]
    by_x = np.argsort(cx, kind="stable")
    order = np.empty(n, dtype=np.int64)
    node_of = np.empty(n, dtype=np.int64)
    next_node = 0
    for part in np.array_split(np.arange(n), slices):
        if not len(part):
            continue
        members = by_x[part]
        members = members[np.argsort(cy[members], kind="stable")]
        runs = -(-len(members) // MAX_CELLS)
        order[part] = members
        node_of[part] = next_node + (np.arange(len(members)) * runs) // len(members)
        next_node += runs
    return order, node_of


def _level(ids: np.ndarray, boxes: np.ndarray) -> _Level:
    """Pack one level's entries into nodes."""
    order, node_of = _tiles(boxes)
    cells = np.empty(len(ids), dtype=CELL)
    cells["id"] = ids[order]
    cells["box"] = boxes[order]
    starts = np.flatnonzero(np.r_[True, node_of[1:] != node_of[:-1], True])
    return _Level(cells=cells, starts=starts)


def _node_boxes(level: _Level) -> np.ndarray:
    """Return the box of each node of ``level``: the union of its cells' boxes."""
    box = level.cells["box"].astype(np.float32)
    first = level.starts[:-1]
    return np.column_stack(
        [
            np.minimum.reduceat(box[:, 0], first),
            np.maximum.reduceat(box[:, 1], first),
            np.minimum.reduceat(box[:, 2], first),
            np.maximum.reduceat(box[:, 3], first),
        ]
    )


def _levels(ids: np.ndarray, boxes: np.ndarray) -> list[_Level]:
    """Return the tree's levels from the leaves up; the last has one node, the root."""
    levels = [_level(ids, boxes)]
    while len(levels[-1].starts) > 2:
        below = levels[-1]
        count = len(below.starts) - 1
        # Child numbers are placeholders here; ``_numbered`` gives the real ones.
        levels.append(_level(np.arange(count, dtype=np.int64), _node_boxes(below)))
    return levels


def _numbered(levels: list[_Level]) -> list[np.ndarray]:
    """Give every node its number (root 1, then level by level down) and point parents at them.

    Returns, for each level from the leaves up, the node number of each of its nodes.
    """
    numbers: list[np.ndarray] = [np.empty(0, dtype=np.int64)] * len(levels)
    first = 1
    for depth in range(len(levels) - 1, -1, -1):
        count = len(levels[depth].starts) - 1
        numbers[depth] = np.arange(first, first + count, dtype=np.int64)
        first += count
    for depth in range(1, len(levels)):
        cells = levels[depth].cells
        cells["id"] = numbers[depth - 1][cells["id"]]
    return numbers


def _blobs(level: _Level, node_size: int, depth: int | None) -> Iterator[bytes]:
    """Yield each node's blob; ``depth`` is written on the root only."""
    raw = level.cells.tobytes()
    size = CELL.itemsize
    starts = level.starts.tolist()
    for a, b in pairwise(starts):
        body = raw[a * size : b * size]
        head = (depth or 0).to_bytes(2, "big") + (b - a).to_bytes(2, "big")
        yield head + body + bytes(node_size - NODE_HEADER - len(body))


def node_size(conn: Connection, rtree: str) -> int:
    """Return the size of ``rtree``'s nodes, which SQLite takes from its root's blob."""
    size = conn.exec_driver_sql(f"SELECT length(data) FROM {rtree}_node WHERE nodeno = 1")
    return int(size.scalar_one())


def outward(boxes: np.ndarray) -> np.ndarray:
    """Return boxes (min x, max x, min y, max y) as the R*Tree keeps them: 32-bit, outwards."""
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    return np.column_stack(
        [
            rounded_down(boxes[:, 0]),
            rounded_up(boxes[:, 1]),
            rounded_down(boxes[:, 2]),
            rounded_up(boxes[:, 3]),
        ]
    )


def replace_entries(conn: Connection, rtree: str, ids: np.ndarray, boxes: np.ndarray) -> None:
    """Make ``ids`` with ``boxes`` (rows of min x, max x, min y, max y) all that ``rtree`` holds.

    Ids must be distinct.  What the tree held before is dropped: pass every
    entry it should hold.
    """
    _replace(conn, rtree, np.asarray(ids, dtype=np.int64), outward(boxes))


def _replace(conn: Connection, rtree: str, ids: np.ndarray, packed: np.ndarray) -> None:
    """``replace_entries`` with the boxes already rounded (``outward``)."""
    _write(conn, rtree, _laid_out(rtree, ids, packed))


#: A tree laid out: its levels from the leaves up, and the node numbers of each level.
_Layout = tuple[list[_Level], list[np.ndarray]]


def _laid_out(rtree: str, ids: np.ndarray, packed: np.ndarray) -> _Layout:
    """Return the tree holding ``ids`` (no level for no entry), laid out; no SQL."""
    in_order = np.sort(ids)  # not np.unique: its hashing took a second for a million ids
    if np.any(in_order[1:] == in_order[:-1]):
        raise ValueError(f"{rtree}: an id appears twice among the entries to pack")
    if not len(ids):
        return [], []
    levels = _levels(ids, packed)
    return levels, _numbered(levels)


def _write(conn: Connection, rtree: str, layout: _Layout) -> None:
    """Make the shadow tables hold the tree of ``layout`` (``_laid_out``) and nothing else."""
    levels, numbers = layout
    size = node_size(conn, rtree)
    if (size - NODE_HEADER) // CELL.itemsize < MAX_CELLS:
        raise ValueError(f"{rtree}: nodes of {size} bytes hold fewer than {MAX_CELLS} cells")
    for shadow in ("node", "rowid", "parent"):
        conn.exec_driver_sql(f"DELETE FROM {rtree}_{shadow}")
    if not levels:
        empty = bytes(size)
        conn.exec_driver_sql(f"INSERT INTO {rtree}_node (nodeno, data) VALUES (1, ?)", (empty,))
        return
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    for depth, level in enumerate(levels):
        root = depth == len(levels) - 1
        blobs = _blobs(level, size, depth if root else None)
        _insert_pairs(cursor, f"{rtree}_node (nodeno, data)", numbers[depth].tolist(), list(blobs))
        if depth:  # the nodes below this level have these parents
            parents = np.repeat(numbers[depth], np.diff(level.starts))
            _insert_pairs(
                cursor,
                f"{rtree}_parent (nodeno, parentnode)",
                level.cells["id"].tolist(),
                parents.tolist(),
            )
    leaves = levels[0]
    leaf_of = np.repeat(numbers[0], np.diff(leaves.starts))
    entry_ids = leaves.cells["id"].astype(np.int64)
    by_id = np.argsort(entry_ids, kind="stable")  # the rowid table fills in key order
    entry_ids, leaf_of = entry_ids[by_id], leaf_of[by_id]
    for start in range(0, len(entry_ids), ROWID_BATCH):  # a batch of Python ints at a time
        part = slice(start, start + ROWID_BATCH)
        _insert_pairs(
            cursor,
            f"{rtree}_rowid (rowid, nodeno)",
            entry_ids[part].tolist(),
            leaf_of[part].tolist(),
        )
    cursor.close()


def _insert_pairs(cursor: Any, target: str, first: list[Any], second: list[Any]) -> None:
    """Insert rows of two values into ``target`` (``table (a, b)``), many rows a statement.

    One statement per row made the rowid table, a row per entry, cost more
    than packing the tree (bench/bench_import.py).
    """
    flat = list(chain.from_iterable(zip(first, second, strict=True)))
    full = f"INSERT INTO {target} VALUES {', '.join(['(?, ?)'] * PAIRS_PER_STATEMENT)}"
    whole = len(first) - len(first) % PAIRS_PER_STATEMENT
    step = 2 * PAIRS_PER_STATEMENT
    for start in range(0, 2 * whole, step):
        cursor.execute(full, flat[start : start + step])
    if whole < len(first):
        rest = len(first) - whole
        cursor.execute(
            f"INSERT INTO {target} VALUES {', '.join(['(?, ?)'] * rest)}", flat[2 * whole :]
        )


def pack_table(conn: Connection, table: str, rtree: str) -> None:
    """Make the boxes of ``table``'s rows (its ``min_x`` … ``max_y`` columns) all ``rtree`` holds.

    Rows without a box are left out, as the insert trigger leaves them out.
    A table without boxed rows leaves the tree as it is.
    """
    ids, boxes = _read_boxes(
        conn, f"SELECT id, min_x, max_x, min_y, max_y FROM {table} WHERE min_x IS NOT NULL"
    )
    if len(ids):
        replace_entries(conn, rtree, ids, boxes)


def entries(conn: Connection, rtree: str) -> tuple[np.ndarray, np.ndarray]:
    """Return the ids and boxes ``rtree`` holds now (boxes as min x, max x, min y, max y)."""
    return _read_boxes(conn, f"SELECT id, min_x, max_x, min_y, max_y FROM {rtree}")


def _read_boxes(conn: Connection, sql: str) -> tuple[np.ndarray, np.ndarray]:
    """Return the ids and boxes ``sql`` selects, read a batch of rows at a time (memory)."""
    parts = [_ids_and_boxes(rows) for rows in conn.exec_driver_sql(sql).partitions(ROWID_BATCH)]
    if not parts:
        return np.empty(0, dtype=np.int64), np.empty((0, 4), dtype=np.float64)
    ids, boxes = zip(*parts, strict=True)
    return np.concatenate(ids), np.concatenate(boxes)


#: A row of (id, min x, max x, min y, max y), the id kept whole.
_ROW = np.dtype([("id", "i8"), ("min_x", "f8"), ("max_x", "f8"), ("min_y", "f8"), ("max_y", "f8")])


def _ids_and_boxes(rows: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Return the ids and the boxes of rows of (id, min x, max x, min y, max y)."""
    table = np.array([tuple(r) for r in rows], dtype=_ROW)
    boxes = np.column_stack([table[k] for k in ("min_x", "max_x", "min_y", "max_y")])
    return table["id"], boxes.reshape(-1, 4)


@dataclass
class DeferredRTree:
    """Boxes written to a table while its R*Tree waits, packed into the tree once at the end.

    The table's insert trigger must be off while rows are added (see
    ``spatial_ddl.rtree_filled_after_inserts``); every added row is handed to
    ``add``.  Rows written meanwhile with the trigger on (or changed, through
    the update trigger) are in the tree already; ``pack`` keeps the tree's
    box for such an id, as the newer one.
    """

    conn: Connection
    rtree: str
    _ids: list[np.ndarray] = field(default_factory=list)
    _boxes: list[np.ndarray] = field(default_factory=list)

    @property
    def count(self) -> int:
        """Return how many rows wait to be packed."""
        return sum(len(ids) for ids in self._ids)

    def add(self, ids: np.ndarray, boxes: np.ndarray) -> None:
        """Remember rows added to the table without the tree (their boxes as it keeps them)."""
        self._ids.append(np.asarray(ids, dtype=np.int64))
        self._boxes.append(outward(boxes))

    def abandon(self) -> list[tuple[int, int]]:
        """Forget the rows added; return the first and last id of each ``add`` (none empty).

        For a caller that will put them in the tree itself after all, by id range.
        """
        spans = [(int(ids.min()), int(ids.max())) for ids in self._ids if len(ids)]
        self._ids, self._boxes = [], []
        return spans

    def pack(self, meanwhile: Callable[[], None] | None = None) -> None:
        """Build the tree from what it holds and the rows added; forget them.

        ``meanwhile`` (other statements on the connection: the index rebuild)
        runs in a thread of its own once the tree's entries are read, while
        NumPy lays the tree out: SQLite and NumPy both let go of Python's
        lock, so the two take the time of the longer.  The tree is written
        after it; its error, if any, is raised here.
        """
        if not self._ids:
            if meanwhile is not None:
                meanwhile()
            return
        added_ids = np.concatenate(self._ids)
        added_boxes = np.concatenate(self._boxes)
        self._ids, self._boxes = [], []
        held_ids, held_boxes = entries(self.conn, self.rtree)
        if len(held_ids):  # what the tree holds is newer; its boxes are 32-bit already
            fresh = ~np.isin(added_ids, held_ids)
            added_ids = np.concatenate([held_ids, added_ids[fresh]])
            added_boxes = np.concatenate([outward(held_boxes), added_boxes[fresh]])
        with _beside(meanwhile):
            layout = _laid_out(self.rtree, added_ids, added_boxes)
        _write(self.conn, self.rtree, layout)


@contextmanager
def _beside(job: Callable[[], None] | None) -> Iterator[None]:
    """Run ``job`` in a thread during the block; wait for it at the end, raising its error."""
    if job is None:
        yield
        return
    failed: list[BaseException] = []

    def run() -> None:
        try:
            job()
        except BaseException as exc:  # raised again in the caller's thread
            failed.append(exc)

    thread = threading.Thread(target=run, name="beside-rtree-layout", daemon=True)
    thread.start()
    try:
        yield
    finally:
        thread.join()
    if failed:
        raise failed[0]
