"""Many writers changing the same records at once, through the API and the CLI together.

Each writer reads a record (its version and values), changes its quantity
to a value no other write uses, and sends the change with the version it
read: API writers with ``PUT /api/records/findings/{id}`` on a real uvicorn
server, CLI writers with ``mineaction import findings FILE`` of a one-row file
that carries the ``version`` column.  Every write is either accepted or
refused as a conflict (409 ``conflict`` from the API; a refused import from
the CLI), and nothing else may happen: no "database is locked", no 500.

Afterwards :func:`audit` checks the outcome against the history: every
accepted write has exactly one history entry (its version and its value),
no two accepted writes started from the same version (that would be a lost
update), and each record holds the value of its last accepted write.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any

import httpx
import uvicorn
from fastapi import FastAPI
from sqlalchemy import select

from mineaction.config import get_settings
from mineaction.services import approval, auth, users
from mineaction.services.catalogue import get_kind_info
from mineaction.services.policy import Principal
from mineaction.store.database import Database
from mineaction.store.tables import AuditEntry, Finding

#: The row every record starts from; writers change only the quantity.
ROW = {"date": "2024-05-02", "category": "at_mine", "quantity": 1, "lon": 46.931, "lat": 39.991}


#: The IM officer whose drafts the writers change, and his password.
OFFICER, PASSWORD = "elvin", "harbour lantern quietly 7"


def officer_with_drafts(db: Database, drafts: int) -> tuple[str, list[int]]:
    """Add the IM officer and ``drafts`` draft findings of his; return his API token and ids."""
    with db.session(actor="writers-setup") as session:
        user = users.add_user(
            session=session, username=OFFICER, role="im_officer", password=PASSWORD
        )
        token = auth.create_token(
            session=session, username=OFFICER, name="writers", secret=get_settings().secret_key
        )
        who = Principal(username=OFFICER, role="im_officer", user_id=user.id)
        info = get_kind_info("findings")
        records = [
            approval.create(session=session, info=info, row=ROW, who=who) for _ in range(drafts)
        ]
        session.flush()
        ids = [r.id for r in records]
    return token, ids


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port, in a thread; yield its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass(frozen=True)
class Write:
    """One attempted change: who, which record, from which version, to which quantity."""

    writer: str
    record_id: int
    based_on: int
    quantity: int
    accepted: bool
    message: str = ""


@dataclass
class Outcome:
    """Every write of a run, and what went wrong that must not."""

    writes: list[Write] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, write: Write) -> None:
        """Record one write (threads and the CLI readers call this)."""
        with self.lock:
            self.writes.append(write)

    def fail(self, text: str) -> None:
        """Record something no user may ever see (a 500, "database is locked", …)."""
        with self.lock:
            self.failures.append(text)

    @property
    def accepted(self) -> list[Write]:
        """Return the accepted writes."""
        return [w for w in self.writes if w.accepted]

    @property
    def conflicts(self) -> list[Write]:
        """Return the writes refused as conflicts."""
        return [w for w in self.writes if not w.accepted]


def api_writer(
    base_url: str,
    token: str,
    record_ids: list[int],
    outcome: Outcome,
    *,
    name: str,
    number: int,
    keep_going: Callable[[int], bool],
    pause: float = 0.0,
) -> None:
    """Change the records in turn through the API until ``keep_going(rounds)`` says stop."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=120) as client:
        rounds = 0
        while keep_going(rounds):
            record_id = record_ids[rounds % len(record_ids)]
            quantity = unique_quantity(number, rounds)
            rounds += 1
            url = f"/api/records/findings/{record_id}"
            seen = client.get(url)
            if seen.status_code != 200:
                outcome.fail(f"{name}: GET {url} answered {seen.status_code}: {seen.text}")
                continue
            version = int(seen.json()["version"])
            answer = client.put(url, json={"row": ROW | {"quantity": quantity}, "version": version})
            if answer.status_code == 200:
                outcome.add(Write(name, record_id, version, quantity, True))
            elif answer.status_code == 409 and _helpful(answer.json()["error"]):
                error = answer.json()["error"]
                outcome.add(Write(name, record_id, version, quantity, False, error["message"]))
            else:
                outcome.fail(f"{name}: PUT {url} answered {answer.status_code}: {answer.text}")
            time.sleep(pause)  # a person looks at the answer before the next change


def _helpful(error: dict[str, Any]) -> bool:
    """Tell whether a conflict says what happened and what to do (reload, apply again)."""
    return error.get("code") == "conflict" and "Reload" in (error.get("hint") or "")


def unique_quantity(writer: int, round_: int) -> int:
    """Return a quantity no other write of the run uses (and no record starts with)."""
    return 1000 * (writer + 1) + round_ + 1


#: A CLI writer: a process that runs ``mineaction import`` through ``main``, each round until
#: accepted (at most five tries), reading the version again after a conflict.
_CLI_WRITER = """
import csv, io, json, os, sys
from contextlib import redirect_stderr, redirect_stdout
from mineaction.cli import main
from mineaction.store.database import Database
from mineaction.store.tables import Finding
url, number, rounds, folder = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
ATTEMPTS = 5
ids = json.loads(sys.argv[5])
row = json.loads(sys.argv[6])
db = Database(url)
print("ready", flush=True)
sys.stdin.readline()
for r in range(rounds):
    record_id = ids[r % len(ids)]
    quantity = 1000 * (number + 1) + r + 1
    for attempt in range(ATTEMPTS):  # refused as stale: look again and reapply, as told
        with db.session() as s:  # what the officer looked at (an export, the record's page)
            version = s.get(Finding, record_id).version
        path = os.path.join(folder, f"cli{number}-{r}-{attempt}.csv")
        with open(path, "w", newline="") as out:
            w = csv.writer(out)
            w.writerow(["id", "version", *row])
            w.writerow([f"findings-{record_id}", version, *(row | {"quantity": quantity}).values()])
        err = io.StringIO()
        with redirect_stdout(io.StringIO()), redirect_stderr(err):
            try:
                main(["import", "findings", path, "--status", "draft", "--database", url])
                code = 0
            except SystemExit as exc:
                code = int(exc.code or 0)
        print(json.dumps([record_id, version, quantity, code, err.getvalue()]), flush=True)
        if code == 0:
            break
"""


def start_cli_writers(
    db_url: str, record_ids: list[int], *, count: int, first_number: int, rounds: int
) -> list[subprocess.Popen[str]]:
    """Start ``count`` CLI writer processes; return them once each has loaded mineaction."""
    folder = tempfile.mkdtemp(prefix="mineaction-writers-")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(sys.path),
        "COLUMNS": "200",
        "MINEACTION_ACTOR": "cli-writer",
    }
    processes = []
    for n in range(count):
        argv = [str(first_number + n), str(rounds), folder, json.dumps(record_ids), json.dumps(ROW)]
        process = subprocess.Popen(
            [sys.executable, "-c", _CLI_WRITER, db_url, *argv],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        processes.append(process)
    for process in processes:
        assert process.stdout is not None
        if process.stdout.readline().strip() != "ready":
            raise RuntimeError(f"A CLI writer did not start (exit code {process.wait()}).")
    return processes


def go(processes: list[subprocess.Popen[str]]) -> None:
    """Let the CLI writers start writing."""
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()


def collect_cli(process: subprocess.Popen[str], outcome: Outcome, name: str) -> None:
    """Read a CLI writer's results until it ends; record each as a write or a failure."""
    out: IO[str] | None = process.stdout
    assert out is not None
    for line in out:
        record_id, version, quantity, code, err = json.loads(line)
        if code == 0:
            outcome.add(Write(name, record_id, version, quantity, True))
        elif _cli_conflict(err):
            outcome.add(Write(name, record_id, version, quantity, False, _first_line(err)))
        else:
            outcome.fail(f"{name}: import exited {code}: {err}")
    if process.wait() != 0:
        outcome.fail(f"{name}: the writer process ended with exit code {process.returncode}")


def _cli_conflict(err: str) -> bool:
    """Tell whether a refused import was a conflict that says what to do."""
    stale_row = "someone else changed it" in err and "import the row with version" in err
    at_save = "Reload" in err and "nothing was written" in err  # caught as it was saved
    return stale_row or at_save


def _first_line(text: str) -> str:
    return " ".join(text.split())[:300]


def audit(db: Database, record_ids: list[int], outcome: Outcome) -> list[str]:
    """Check every record against the accepted writes and its history; return what is wrong."""
    wrong: list[str] = []
    with db.session() as session:
        for record_id in record_ids:
            accepted = [w for w in outcome.accepted if w.record_id == record_id]
            record = session.get_one(Finding, record_id)
            updates = session.scalars(
                select(AuditEntry)
                .where(
                    AuditEntry.kind == "findings",
                    AuditEntry.record_id == record_id,
                    AuditEntry.action == "update",
                )
                .order_by(AuditEntry.id)
            ).all()
            bases = [w.based_on for w in accepted]
            if len(set(bases)) != len(bases):
                wrong.append(f"record {record_id}: two accepted writes from one version (lost)")
            history = sorted((u.record_version, (u.after or {}).get("quantity")) for u in updates)
            expected = sorted((w.based_on + 1, w.quantity) for w in accepted)
            if history != expected:
                wrong.append(
                    f"record {record_id}: history {history} but accepted writes {expected}"
                )
            if accepted:
                last = max(accepted, key=lambda w: w.based_on)
                if (record.quantity, record.version) != (last.quantity, last.based_on + 1):
                    wrong.append(
                        f"record {record_id}: holds quantity {record.quantity} at version "
                        f"{record.version}; the last accepted write was {last}"
                    )
    return wrong


@dataclass
class WriterFigures:
    """What a run of concurrent writers did."""

    backend: str
    api_writers: int
    cli_writers: int
    records: int
    attempted: int
    accepted: int
    cli_accepted: int
    conflicts: int
    failures: int
    lost: int
    seconds: float

    def as_dict(self) -> dict[str, object]:
        """Return the figures as a JSON-ready dict."""
        return dict(self.__dict__)


def run_writers(
    db: Database,
    base_url: str,
    token: str,
    record_ids: list[int],
    *,
    api_writers: int,
    cli_writers: int,
    api_rounds: int,
    cli_rounds: int,
    api_pause: float = 0.2,
) -> tuple[WriterFigures, Outcome, list[str]]:
    """Run API and CLI writers together on ``record_ids``; return figures, writes, what is wrong.

    The API writers keep writing until every CLI writer has finished (and
    at least ``api_rounds`` rounds each), so that both kinds overlap.
    """
    outcome = Outcome()
    processes = start_cli_writers(
        db.url, record_ids, count=cli_writers, first_number=api_writers, rounds=cli_rounds
    )
    cli_done = threading.Event()

    def keep_going(rounds: int) -> bool:
        return rounds < api_rounds or not cli_done.is_set()

    threads = [
        threading.Thread(
            target=api_writer,
            args=(base_url, token, record_ids, outcome),
            kwargs={
                "name": f"api{n}",
                "number": n,
                "keep_going": keep_going,
                "pause": api_pause,
            },
        )
        for n in range(api_writers)
    ]
    readers = [
        threading.Thread(target=collect_cli, args=(p, outcome, f"cli{api_writers + n}"))
        for n, p in enumerate(processes)
    ]
    start = time.perf_counter()
    go(processes)
    for thread in [*threads, *readers]:
        thread.start()
    for reader in readers:
        reader.join()
    cli_done.set()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    wrong = audit(db, record_ids, outcome)
    figures = WriterFigures(
        backend="sqlite" if db.dialect == "sqlite" else "postgis",
        api_writers=api_writers,
        cli_writers=cli_writers,
        records=len(record_ids),
        attempted=len(outcome.writes) + len(outcome.failures),
        accepted=len(outcome.accepted),
        cli_accepted=sum(w.writer.startswith("cli") for w in outcome.accepted),
        conflicts=len(outcome.conflicts),
        failures=len(outcome.failures),
        lost=len(wrong),
        seconds=seconds,
    )
    return figures, outcome, wrong
