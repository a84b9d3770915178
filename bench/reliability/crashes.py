"""Killing ``mineaction import`` at random moments, and checking what it leaves behind.

An import runs in a child process that is SIGKILLed after a random delay,
so the kill lands while the file is read, checked, written or committed.
After every kill the database is opened afresh and must pass its own
integrity checks (``PRAGMA integrity_check`` and ``foreign_key_check`` on
SQLite, a query per foreign key on PostgreSQL), hold either every row of the
file or none of it, and have exactly one history row per record.

Starting Python and importing mineaction takes longer than the import itself
on a busy machine, so the children are forked from a warm process (the
"zygote") that has imported the command-line interface once; each child then
runs ``mineaction import …`` through the same ``main`` as the console script.
A child is reaped only after the kill, so the signal can never reach a
process that merely took over its id.
"""

from __future__ import annotations

import csv
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from sqlalchemy import and_, func, select, text
from sqlalchemy.orm import Session

from mineaction.store.base import Base
from mineaction.store.database import Database
from mineaction.store.tables import Accident, AuditEntry, Finding, Organisation

#: The two ways a file is written: one record at a time, and in bulk (findings).
PATHS = {"per-row": ("accidents", Accident), "bulk": ("findings", Finding)}

_ZYGOTE = """
import json, os, sys, traceback
from mineaction.cli import main
import mineaction.intake.pipeline, mineaction.intake.bulk  # what the import loads lazily
while line := sys.stdin.readline():
    argv, log = json.loads(line)
    sys.stdout.flush(); sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(fd, 1); os.dup2(fd, 2)
        code = 0
        try:
            main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:
            traceback.print_exc(); code = 70
        sys.stdout.flush(); sys.stderr.flush()
        os._exit(code)
    print(pid, flush=True)
    sys.stdin.readline()  # reaped only when told: the parent may still signal it
    print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), flush=True)
"""


#: The ``mineaction`` command, run with this interpreter (and this checkout's code).
CLI = [sys.executable, "-c", "from mineaction.cli import main; main()"]


class Broken(AssertionError):
    """A kill left the database damaged, half-written, locked or unable to import again."""


@dataclass
class Run:
    """One run of the command: how it ended and how long it ran."""

    exit_code: int  # negative: killed by that signal
    seconds: float

    @property
    def killed(self) -> bool:
        """Tell whether the run was ended by SIGKILL."""
        return self.exit_code == -signal.SIGKILL


class Zygote:
    """A warm Python process that forks one ``mineaction`` command at a time."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        assert process.stdin is not None and process.stdout is not None
        self._in: IO[str] = process.stdin
        self._out: IO[str] = process.stdout

    def run(self, argv: list[str], log: Path, *, kill_after: float | None = None) -> Run:
        """Run ``mineaction ARGV`` (output to ``log``); SIGKILL it after ``kill_after`` s."""
        start = time.perf_counter()
        self._in.write(json.dumps([argv, str(log)]) + "\n")
        self._in.flush()
        pid = int(self._read())
        if kill_after is not None:
            time.sleep(max(0.0, kill_after - (time.perf_counter() - start)))
            os.kill(pid, signal.SIGKILL)  # our own unreaped child: its id is still its own
        self._in.write("reap\n")
        self._in.flush()
        code = int(self._read())
        return Run(exit_code=code, seconds=time.perf_counter() - start)

    def _read(self) -> str:
        line = self._out.readline()
        if not line:
            raise RuntimeError(f"The zygote process ended (exit code {self.process.wait()}).")
        return line.strip()


@contextmanager
def zygote() -> Iterator[Zygote]:
    """Start a zygote with this interpreter and import path; stop it afterwards."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "COLUMNS": "200"}
    process = subprocess.Popen(
        [sys.executable, "-c", _ZYGOTE],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        yield Zygote(process)
    finally:
        assert process.stdin is not None
        process.stdin.close()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def write_file(path: Path, kind: str, rows: int, *, prefix: str, seed: int) -> list[str]:
    """Write a CSV of ``rows`` clean ``kind`` rows with ids PREFIX-N; return the ids."""
    rng = random.Random(seed)
    ids = [f"{prefix}-{n}" for n in range(rows)]
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        if kind == "accidents":
            writer.writerow(["id", "date", "lon", "lat", "device_category", "accident_type"])
            for sid in ids:
                lon, lat = _aghdam_point(rng)
                writer.writerow([sid, "2023-08-14", lon, lat, "ap_mine", "mine"])
        else:
            writer.writerow(
                ["id", "date", "operator", "category", "model", "quantity", "lon", "lat"]
            )
            for n, sid in enumerate(ids):
                lon, lat = _aghdam_point(rng)
                writer.writerow([sid, "2024-05-01", "ANAMA", "uxo", f"M-{n % 40}", 1, lon, lat])
    return ids


def _aghdam_point(rng: random.Random) -> tuple[float, float]:
    return round(46.80 + rng.random() * 0.25, 6), round(39.90 + rng.random() * 0.12, 6)


def prepare(db: Database) -> None:
    """Add the operator the findings name (ANAMA), once."""
    with db.session(actor="crash-test") as session:
        if session.scalar(select(Organisation).where(Organisation.code == "ANAMA")) is None:
            session.add(Organisation(code="ANAMA", name="ANAMA", type="national_authority"))


@dataclass
class State:
    """What a check found: records of the kind, their creation history, this file's records."""

    records: int
    created_history: int
    from_file: int


def check(db: Database, model: type, ids_prefix: str) -> State:
    """Open the database afresh and check it whole; raise Broken when it is not."""
    _wait_for_other_connections(db)
    if db.dialect == "sqlite":
        _check_sqlite(db)
    fresh = Database(db.url)
    try:
        with fresh.session() as session:
            if db.dialect != "sqlite":
                _check_foreign_keys(session)
            kind = model.__kind__ or model.__tablename__  # type: ignore[attr-defined]
            records = session.scalar(select(func.count()).select_from(model)) or 0
            created = session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.kind == kind, AuditEntry.action == "create")
            )
            from_file = session.scalar(
                select(func.count())
                .select_from(model)
                .where(model.source_id.like(f"{ids_prefix}-%"))  # type: ignore[attr-defined]
            )
    finally:
        fresh.dispose()
    return State(
        records=int(records), created_history=int(created or 0), from_file=int(from_file or 0)
    )


def _check_sqlite(db: Database) -> None:
    path = db.sqlite_path()
    assert path is not None
    conn = sqlite3.connect(path, timeout=30)
    try:
        verdict = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        if verdict != ["ok"]:
            raise Broken(f"PRAGMA integrity_check says: {verdict[:5]}")
        orphans = conn.execute("PRAGMA foreign_key_check").fetchall()
        if orphans:
            raise Broken(f"PRAGMA foreign_key_check found {len(orphans)} orphans: {orphans[:5]}")
    finally:
        conn.close()


def _check_foreign_keys(session: Session) -> None:
    """Count, for every foreign key of the schema, the rows whose parent is missing.

    One query for all of them (a count per key, side by side): the check runs
    after every kill.
    """
    names, counts = [], []
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_key_constraints:
            parent = fk.referred_table.alias()
            pairs = [(el.parent, parent.c[el.column.name]) for el in fk.elements]
            joined = table.outerjoin(parent, and_(*(c == p for c, p in pairs)))
            query = (
                select(func.count())
                .select_from(joined)
                .where(and_(*(c.is_not(None) for c, _ in pairs)), pairs[0][1].is_(None))
            )
            names.append(f"{table.name} → {fk.referred_table.name}")
            counts.append(query.scalar_subquery())
    found = session.execute(select(*counts)).one()
    orphans = {name: n for name, n in zip(names, found, strict=True) if n}
    if orphans:
        raise Broken(f"Rows whose parent is missing: {orphans}.")


def _wait_for_other_connections(db: Database, timeout: float = 30.0) -> None:
    """On PostgreSQL, wait until the killed client's server process has ended.

    Until then its transaction may still be committing or rolling back; a
    server process that outlives the timeout holds locks nobody will free.
    """
    if db.dialect == "sqlite":
        return
    deadline = time.monotonic() + timeout
    query = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid() "
        "AND backend_type = 'client backend' AND state IS DISTINCT FROM 'idle'"
    )
    probe = Database(db.url)
    try:
        while True:
            with probe.engine.connect() as conn:
                if not conn.execute(query).scalar_one():
                    return
            if time.monotonic() > deadline:
                raise Broken(f"A killed import's server process still runs after {timeout:.0f} s.")
            time.sleep(0.02)
    finally:
        probe.dispose()


@dataclass
class CrashFigures:
    """What a kill loop did and found."""

    backend: str
    path: str
    rows: int
    seed: int
    kills: int = 0
    none_written: int = 0
    all_written: int = 0
    finished_first: int = 0
    broken: int = 0
    import_seconds: float = 0.0
    delays: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """Return the figures as a JSON-ready dict (without the list of delays)."""
        return {k: v for k, v in self.__dict__.items() if k != "delays"}


def kill_loop(
    db: Database,
    zyg: Zygote,
    workdir: Path,
    *,
    path: str,
    rows: int,
    kills: int,
    seed: int,
) -> CrashFigures:
    """Kill ``kills`` imports of one file at random moments; check the database after each.

    Returns the figures; raises Broken (its message names the seed and the
    kill) at the first damage.  When a run finished (or committed) before
    its kill, the next runs import a new file, so that every kill still
    lands in an import with work to do.
    """
    kind, model = PATHS[path]
    rng = random.Random(seed)
    figures = CrashFigures(backend=_backend(db), path=path, rows=rows, seed=seed)
    prepare(db)
    generation = 0
    file, prefix = _new_file(workdir, kind, rows, generation, seed)
    argv = ["import", kind, str(file), "--database", db.url]
    log = workdir / "import.log"
    calibration = zyg.run(argv, log)  # also shows that a clean run imports the file
    if calibration.exit_code != 0:
        raise Broken(f"The import failed before any kill: {log.read_text()[-2000:]}")
    # The first run pays for warming up; kills spread over the quickest whole run seen.
    span = figures.import_seconds = calibration.seconds
    committed = rows  # records of the files imported whole so far
    whole = True
    for n in range(1, kills + 1):
        if whole:
            generation += 1
            file, prefix = _new_file(workdir, kind, rows, generation, seed)
            argv = ["import", kind, str(file), "--database", db.url]
        delay = rng.uniform(0.0, span)
        figures.delays.append(delay)
        run = zyg.run(argv, log, kill_after=delay)
        figures.kills += 1
        where = f"seed {seed}, kill {n} after {delay:.3f} s ({path} path, {figures.backend})"
        if not run.killed:
            figures.finished_first += 1
            span = figures.import_seconds = min(span, run.seconds)
            if run.exit_code != 0:
                raise Broken(f"{where}: the import failed: {log.read_text()[-2000:]}")
        try:
            state = check(db, model, prefix)
        except Broken as exc:
            figures.broken += 1
            raise Broken(f"{where}: {exc}") from exc
        if state.from_file not in (0, rows):
            figures.broken += 1
            raise Broken(f"{where}: {state.from_file} of the file's {rows} rows were written.")
        expected = committed + state.from_file
        if (state.records, state.created_history) != (expected, expected):
            figures.broken += 1
            raise Broken(
                f"{where}: {state.records} records and {state.created_history} history rows; "
                f"expected {expected} of each."
            )
        whole = state.from_file == rows
        if whole:
            figures.all_written += 1
            committed += rows
        else:
            figures.none_written += 1
    return figures


def finish(db: Database, workdir: Path, *, path: str, rows: int, seed: int) -> int:
    """Run the last file's import to the end with the real command; return its exit code.

    Raises Broken when it fails or leaves the file partly written.
    """
    kind, model = PATHS[path]
    prefix = _prefix(_last_generation(workdir, kind))
    file = workdir / f"{prefix}.csv"
    done = subprocess.run(
        [*CLI, "import", kind, str(file), "--database", db.url],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "COLUMNS": "200"},
        timeout=600,
    )
    if done.returncode != 0:
        raise Broken(f"seed {seed}: the import after the kills failed: {done.stderr[-2000:]}")
    state = check(db, model, prefix)
    if state.from_file != rows or state.records != state.created_history:
        raise Broken(f"seed {seed}: after the kills the import left {state}.")
    return done.returncode


def _prefix(generation: int) -> str:
    return f"G{generation}"


def _new_file(workdir: Path, kind: str, rows: int, generation: int, seed: int) -> tuple[Path, str]:
    prefix = _prefix(generation)
    path = workdir / f"{prefix}.csv"
    write_file(path, kind, rows, prefix=prefix, seed=seed + generation)
    (workdir / f"last-{kind}").write_text(str(generation))
    return path, prefix


def _last_generation(workdir: Path, kind: str) -> int:
    return int((workdir / f"last-{kind}").read_text())


def _backend(db: Database) -> str:
    return "sqlite" if db.dialect == "sqlite" else "postgis"
