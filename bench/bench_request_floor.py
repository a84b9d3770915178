"""Server CPU per request: one ``mineaction serve --workers 1``, requests one after another.

The load benchmark (``bench_load.py``) measures latency under 32 clients; on
a shared machine its figures move with everyone else's load.  This one
measures what a request costs the server itself: it sends the load
benchmark's requests (list pages, single records, zoom-10 map tiles, with
the same reader's API token) one at a time on one keep-alive connection,
each set twice ("first" and "again": the second time every answer is kept),
and divides the server process's CPU time (``/proc/PID/stat``) by the number
of requests.  On PostgreSQL it also divides the CPU time of the server's
backends for that database (``db_cpu_ms``: every statement, BEGIN and COMMIT,
the pool's pings), which shares the same cores in a deployment on one machine.
The code measured is the checkout this file is in.

    python bench/bench_request_floor.py --database sqlite:///national.db --output floor.json
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import secrets
import statistics
import time
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import make_url

from bench_load import Connection, Targets, prepare, server

TICKS = os.sysconf("SC_CLK_TCK")


def server_pid(port: int) -> int:
    """Return the pid of the ``mineaction serve`` listening on ``port``."""
    wanted = f"--port\0{port}\0".encode()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if wanted in (entry / "cmdline").read_bytes():
                    return int(entry.name)
            except OSError:
                continue
    raise SystemExit(f"no server process found for port {port}")


def cpu_seconds(pid: int) -> float:
    """Return the user + system CPU seconds of process ``pid``."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def paths(targets: Targets, phase: str, count: int, seed: int) -> list[str]:
    """Return the ``count`` requests of ``phase`` the load benchmark would send."""
    rnd = random.Random(seed)
    if phase == "bbox":  # every tile of every kind, once
        kinds = ("findings", "hazards", "land-releases")
        return [
            f"/api/map/{k}?zoom=10&bbox={x0:.5f},{y0:.5f},{x1:.5f},{y1:.5f}"
            for (x0, y0, x1, y1) in targets.tiles
            for k in kinds
        ]
    return [targets.path(phase, rnd) for _ in range(count)]


def backends_cpu(url: str) -> dict[int, float]:
    """Return the CPU seconds of each PostgreSQL backend connected to ``url``'s database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return {}
    conninfo = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        pids = [
            pid
            for (pid,) in conn.execute(
                "select pid from pg_stat_activity where datname = current_database() "
                "and pid <> pg_backend_pid()"
            )
        ]
    found = {}
    for backend in pids:
        with contextlib.suppress(OSError):  # a backend that has ended meanwhile
            found[backend] = cpu_seconds(backend)
    return found


async def cost(url: str, port: int, token: str, pid: int, asked: list[str]) -> dict[str, float]:
    """Send ``asked`` one by one; return CPU ms and wall ms per request (median wall).

    ``db_cpu_ms``: the CPU of the database's backends (PostgreSQL; 0 for SQLite, whose
    work is in the server process).
    """
    conn = Connection(port, token)
    walls = []
    db0 = backends_cpu(url)
    cpu0 = cpu_seconds(pid)
    for path in asked:
        started = time.perf_counter()
        status, _size = await conn.get(path)
        walls.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise SystemExit(f"{path} answered {status}")
    used = cpu_seconds(pid) - cpu0
    db_used = sum(cpu - db0.get(backend, 0.0) for backend, cpu in backends_cpu(url).items())
    conn.close()
    return {
        "cpu_ms": round(used * 1000 / len(asked), 2),
        "db_cpu_ms": round(db_used * 1000 / len(asked), 2),
        "wall_p50_ms": round(statistics.median(walls), 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", action="append", required=True)
    parser.add_argument("--requests", type=int, default=300, help="per list/detail set")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    results: list[dict[str, Any]] = []
    for url in args.database:
        secret = secrets.token_urlsafe(48)
        token, targets = prepare(url, secret, args.seed)
        with server(url, secret, 1) as port:
            pid = server_pid(port)
            # Imports and first connections (every pool opened).
            warm = ["/api/kinds"] * 20 + paths(targets, "detail", 20, args.seed + 1)
            asyncio.run(cost(url, port, token, pid, warm))
            for phase in ("list", "detail", "bbox"):
                asked = paths(targets, phase, args.requests, args.seed)
                first = asyncio.run(cost(url, port, token, pid, asked))
                again = asyncio.run(cost(url, port, token, pid, asked))
                row = {"database": url.split("@")[-1], "phase": phase, "requests": len(asked)}
                row |= {f"first_{k}": v for k, v in first.items()}
                row |= {f"again_{k}": v for k, v in again.items()}
                print(json.dumps(row), flush=True)
                results.append(row)
    if args.output:
        args.output.write_text(json.dumps({"results": results, "load": os.getloadavg()}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
