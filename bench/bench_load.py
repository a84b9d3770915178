"""Load benchmark of the web API: 32 concurrent clients on loopback against ``mineaction serve``.

For each database given (a data set made by ``bench/generate.py``; with
``--scale`` the benchmark makes them itself) it signs up one reader with an
API token, starts the real server (``mineaction serve --workers N``) in a child
process, and then drives it from this process with ``--clients`` keep-alive
connections, each sending its next request as soon as the last is answered
(a closed loop: the hardest case, there is no think time), or, with
``--think S``, after a random pause averaging S seconds (people reading what
they asked for). Three phases of
``--duration`` seconds each, after a warm-up:

- ``list``: one page of 100 records of findings, hazards or land releases,
  at a random offset among the first 100 pages (``/api/records/KIND?limit=100``);
- ``detail``: one record of those kinds by a random id (``/api/records/KIND/ID``);
- ``bbox``: the records of a zoom-10 map tile as GeoJSON, as the map page asks
  for them (``/api/map/KIND?zoom=10&bbox=…``: simplified for the zoom, at most
  5,000 features), for tiles around random hazards (where the data is).

It reports requests per second and the latency median, p95 and p99 per phase,
and counts any answer other than 200 as an error.

    python bench/bench_load.py --database sqlite:///national.db --output load.json
    python bench/bench_load.py --database postgresql://postgres@127.0.0.1:5432/national
    python bench/bench_load.py --scale 0.01 --duration 5     # a quick check
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from generate import generate
from mineaction.services import auth, users
from mineaction.store.database import Database
from mineaction.store.tables import Finding, Hazard, LandRelease, User

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
KINDS = {"findings": Finding, "hazards": Hazard, "land-releases": LandRelease}
READER = "bench-reader"
PHASES = ("list", "detail", "bbox")
console = Console()


@dataclass
class Targets:
    """What the clients ask for: ids per kind and zoom-10 tiles where the data is."""

    ids: dict[str, tuple[int, int]]  # kind → (lowest id, highest id)
    tiles: list[tuple[float, float, float, float]]
    pages: dict[str, int]  # kind → pages of 100 to pick from

    def path(self, phase: str, rnd: random.Random) -> str:
        kind = rnd.choice(list(KINDS))
        if phase == "list":
            return f"/api/records/{kind}?limit=100&offset={100 * rnd.randrange(self.pages[kind])}"
        if phase == "detail":
            low, high = self.ids[kind]
            return f"/api/records/{kind}/{rnd.randint(low, high)}"
        x0, y0, x1, y1 = rnd.choice(self.tiles)
        return f"/api/map/{kind}?zoom=10&bbox={x0:.5f},{y0:.5f},{x1:.5f},{y1:.5f}"


def tile_bounds(lon: float, lat: float, zoom: int = 10) -> tuple[float, float, float, float]:
    """Return the (west, south, east, north) of the web-map tile holding ``lon, lat``."""
    n = 2**zoom
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)

    def lat_of(row: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return (x / n * 360.0 - 180.0, lat_of(y + 1), (x + 1) / n * 360.0 - 180.0, lat_of(y))


def prepare(url: str, secret: str, seed: int) -> tuple[str, Targets]:
    """Give the data set a reader with an API token; return the token and what to ask for."""
    db = Database(url)
    rnd = random.Random(seed)
    with db.session() as session:
        if session.scalar(select(func.count()).where(User.username == READER)) == 0:
            users.add_user(
                session=session,
                username=READER,
                role="viewer",
                password=secrets.token_urlsafe(24),
            )
        token = auth.create_token(session=session, username=READER, name="load", secret=secret)
        ids = {}
        pages = {}
        for kind, model in KINDS.items():
            low, high, count = session.execute(
                select(func.min(model.id), func.max(model.id), func.count(model.id))
            ).one()
            ids[kind] = (int(low), int(high))
            pages[kind] = max(1, min(100, int(count) // 100))
        boxes = session.execute(
            select(Hazard.min_x, Hazard.min_y, Hazard.max_x, Hazard.max_y)
            .where(Hazard.min_x.is_not(None))
            .order_by(Hazard.id)
            .limit(5000)
        ).all()
    db.dispose()
    chosen = rnd.sample(boxes, min(200, len(boxes)))
    tiles = sorted({tile_bounds((b[0] + b[2]) / 2, (b[1] + b[3]) / 2) for b in chosen})
    return token, Targets(ids=ids, tiles=tiles, pages=pages)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server(url: str, secret: str, workers: int) -> Iterator[int]:
    """Run ``mineaction serve`` on a free port until the block ends; yield the port."""
    port = free_port()
    env = {
        **os.environ,
        "MINEACTION_SECRET_KEY": secret,
        "MINEACTION_ENVIRONMENT": "production",
        "PYTHONPATH": str(ROOT / "src"),
    }
    command = [sys.executable, "-c", "from mineaction.cli import main; main()"]
    command += ["serve", "--database", url]
    command += ["--port", str(port), "--workers", str(workers)]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SystemExit(f"mineaction serve stopped with code {proc.returncode}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            time.sleep(0.2)
        else:
            raise SystemExit("mineaction serve did not start within two minutes")
        yield port
    finally:
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(20)
        if proc.poll() is None:
            proc.kill()


class Connection:
    """One HTTP/1.1 keep-alive connection: a minimal client, so the load costs little CPU."""

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.head = f"Host: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> tuple[int, int]:
        """Send GET ``path``; return the status and the body's length."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        self.writer.write(f"GET {path} HTTP/1.1\r\n{self.head}\r\n".encode())
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length = -1
        chunked = False
        close = False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
            elif name == "connection" and "close" in value.lower():
                close = True
        size = 0
        if chunked:
            while (chunk := int((await self.reader.readline()).strip(), 16)) > 0:
                size += len(await self.reader.readexactly(chunk + 2)) - 2
            await self.reader.readline()
        elif length >= 0:
            size = len(await self.reader.readexactly(length))
        if close:
            self.writer.close()
            self.writer = None
        return status, size

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


@dataclass
class Phase:
    """The latencies and errors of one phase."""

    name: str
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    errors: dict[int, int] = field(default_factory=dict)
    bytes: int = 0

    def summary(self) -> dict[str, Any]:
        lat = sorted(self.latencies_ms)
        q = statistics.quantiles(lat, n=100, method="inclusive") if len(lat) > 1 else lat * 99
        return {
            "phase": self.name,
            "requests": len(lat),
            "requests_per_s": round(len(lat) / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": round(q[49], 1),
            "p95_ms": round(q[94], 1),
            "p99_ms": round(q[98], 1),
            "max_ms": round(lat[-1], 1) if lat else 0.0,
            "errors": dict(self.errors),
            "mean_kb": round(self.bytes / max(1, len(lat)) / 1024, 1),
        }


async def drive(
    port: int,
    token: str,
    targets: Targets,
    phase: str,
    clients: int,
    seconds: float,
    seed: int,
    think: float = 0.0,
) -> Phase:
    """Run ``clients`` clients for ``seconds``; return what they measured.

    With ``think`` = 0 each client asks again as soon as it is answered (a
    closed loop); otherwise it first waits a random time averaging ``think``
    seconds, as a person reading the answer would.
    """
    result = Phase(phase)
    stop = time.perf_counter() + seconds

    async def client(number: int) -> None:
        rnd = random.Random(seed * 1000 + number)
        conn = Connection(port, token)
        try:
            while time.perf_counter() < stop:
                path = targets.path(phase, rnd)
                started = time.perf_counter()
                status, size = await conn.get(path)
                elapsed = (time.perf_counter() - started) * 1000
                if status == 200:
                    result.latencies_ms.append(elapsed)
                    result.bytes += size
                else:
                    result.errors[status] = result.errors.get(status, 0) + 1
                if think:
                    pause = rnd.expovariate(1 / think)
                    await asyncio.sleep(max(0.0, min(pause, stop - time.perf_counter())))
        finally:
            conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    result.seconds = time.perf_counter() - started
    return result


def run_database(url: str, args: argparse.Namespace) -> dict[str, Any]:
    """Measure every phase against one database; return the figures."""
    secret = secrets.token_urlsafe(48)
    token, targets = prepare(url, secret, args.seed)
    label = "postgis" if url.startswith("postgres") else "sqlite"
    console.print(f"[bold]{label}[/]: {len(targets.tiles)} tiles, ids {targets.ids}")
    phases = []
    with server(url, secret, args.workers) as port:
        for phase in PHASES:
            asyncio.run(drive(port, token, targets, phase, args.clients, args.warmup, args.seed))
            measured = asyncio.run(
                drive(
                    port,
                    token,
                    targets,
                    phase,
                    args.clients,
                    args.duration,
                    args.seed + 1,
                    args.think,
                )
            )
            summary = measured.summary()
            console.print(summary)
            phases.append(summary)
    return {"backend": label, "url": _safe(url), "phases": phases}


def _safe(url: str) -> str:
    return url.split("@")[-1] if "@" in url else url


def generated(scale: float, seed: int, server_url: str, folder: Path) -> list[str]:
    """Generate the data set at ``scale`` into an SQLite file and a fresh PostGIS database."""
    sqlite_url = f"sqlite:///{folder / 'load.db'}"
    name = f"bench_load_{os.getpid()}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    pg_url = server_url.rsplit("/", 1)[0] + f"/{name}"
    for url in (sqlite_url, pg_url):
        generate(url, scale=scale, seed=seed)
    return [sqlite_url, pg_url]


def report(results: list[dict[str, Any]], args: argparse.Namespace) -> None:
    loop = f"{args.think} s think time" if args.think else "closed loop"
    table = Table(title=f"{args.clients} clients, {loop}, {args.workers} workers")
    for column in ("backend", "phase", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors"):
        table.add_column(column)
    for result in results:
        for p in result["phases"]:
            table.add_row(
                result["backend"],
                p["phase"],
                str(p["requests_per_s"]),
                str(p["p50_ms"]),
                str(p["p95_ms"]),
                str(p["p99_ms"]),
                json.dumps(p["errors"]),
            )
    console.print(table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", action="append", default=[], help="a generated data set")
    parser.add_argument("--scale", type=float, help="generate the data sets at this scale")
    parser.add_argument("--server", default=DEFAULT_SERVER, help="PostgreSQL for --scale")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per phase")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds before each phase")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--think", type=float, default=0.0, help="mean seconds a client waits between requests"
    )
    parser.add_argument("--output", type=Path, help="write the figures as JSON")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        urls = list(args.database)
        if args.scale is not None:
            urls += generated(args.scale, args.seed, args.server, Path(tmp))
        if not urls:
            parser.error("give --database URL (repeatable) or --scale")
        results = [run_database(url, args) for url in urls]
    report(results, args)
    if args.output:
        args.output.write_text(
            json.dumps(
                {
                    "clients": args.clients,
                    "workers": args.workers,
                    "duration_s": args.duration,
                    "think_s": args.think,
                    "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
                    "load_average": os.getloadavg(),
                    "results": results,
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
