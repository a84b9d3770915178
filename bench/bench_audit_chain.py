"""What chaining the audit log costs the bulk import: this tree against a baseline revision.

The baseline (default: where this branch left ``main``, their merge base)
is exported with ``git archive`` into a temporary folder.  Then, in one
run, ``bench/bench_import.py`` imports the same generated CSV of findings
with each tree in turn, alternating baseline / this tree for ``--rounds``
rounds, on each backend, and the medians of the wall-clock and CPU seconds
are compared: a ratio of 1.10 means the chained import takes 10 % longer.
On a shared machine the wall clock swings by a factor of two between runs;
the CPU time of the import process is the steadier figure.  Last, the
chain's own work (canonical JSON, SHA-256, the tail and the ids) is timed
alone on ``--rows`` audit rows, in memory: its cost per row, whatever the
machine's load.

    python bench/bench_audit_chain.py --rows 50000 --rounds 3
    python bench/bench_audit_chain.py --baseline ce5a4ba --output bench/results/audit-chain.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from baseline_tree import ROOT, export

BACKENDS = ("sqlite", "postgis")


def one_import(tree: Path, rows: int, backends: str, out: Path) -> dict[str, Any]:
    """Run bench_import.py of ``tree`` once; return its figures."""
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    subprocess.run(
        [
            sys.executable,
            str(tree / "bench" / "bench_import.py"),
            "--rows",
            str(rows),
            "--backends",
            backends,
            "--output",
            str(out),
        ],
        check=True,
        cwd=tree,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    figures: dict[str, Any] = json.loads(out.read_text())
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=None, help="git revision without the chain")
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--output", type=Path, help="write the figures as JSON here")
    args = parser.parse_args()
    if args.baseline is None:
        args.baseline = subprocess.run(
            ["git", "-C", str(ROOT), "merge-base", "HEAD", "main"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()[:12]
    backends = args.backends.split(",")
    runs: dict[str, dict[str, list[tuple[float, float]]]] = {
        side: {b: [] for b in backends} for side in ("baseline", "chained")
    }
    with tempfile.TemporaryDirectory(prefix="bench_chain_") as tmp:
        if args.rounds == 0:
            backends = []
        trees = {"baseline": export(args.baseline, Path(tmp) / "baseline"), "chained": ROOT}
        for n in range(args.rounds):
            for side, tree in trees.items():
                figures = one_import(tree, args.rows, args.backends, Path(tmp) / f"{side}{n}.json")
                for b in backends:
                    runs[side][b].append((figures[b]["import_s"], figures[b]["import_cpu_s"]))
                    print(f"round {n + 1} {side:<8} {b:<7} {figures[b]['import_s']:7.1f} s")
    result: dict[str, Any] = {"rows": args.rows, "rounds": args.rounds, "baseline": args.baseline}
    print(f"\n{args.rows:,} findings, median of {args.rounds} rounds")
    print(f"{'backend':<8} {'baseline s':>11} {'chained s':>10} {'ratio':>6} {'CPU ratio':>10}")
    for b in backends:
        base_wall = statistics.median(w for w, _ in runs["baseline"][b])
        new_wall = statistics.median(w for w, _ in runs["chained"][b])
        base_cpu = statistics.median(c for _, c in runs["baseline"][b])
        new_cpu = statistics.median(c for _, c in runs["chained"][b])
        result[b] = {
            "baseline_s": base_wall,
            "chained_s": new_wall,
            "ratio": new_wall / base_wall,
            "baseline_cpu_s": base_cpu,
            "chained_cpu_s": new_cpu,
            "cpu_ratio": new_cpu / base_cpu,
            "baseline_runs": runs["baseline"][b],
            "chained_runs": runs["chained"][b],
        }
        print(
            f"{b:<8} {base_wall:>11.1f} {new_wall:>10.1f} {new_wall / base_wall:>6.2f} "
            f"{new_cpu / base_cpu:>10.2f}"
        )
    per_row = chain_cost(args.rows)
    result["chain_us_per_row"] = per_row * 1e6
    print(f"the chain's own work: {per_row * 1e6:.1f} µs per audit row (median of 5)")
    if args.output:
        args.output.write_text(json.dumps(result, indent=2))


def chain_cost(rows: int) -> float:
    """Return the seconds per row ``seal_columns`` takes for a bulk import's audit rows."""
    sys.path.insert(0, str(ROOT / "src"))
    from sqlalchemy import create_engine

    from mineaction.store import audit_chain
    from mineaction.store.tables import AuditEntry

    engine = create_engine("sqlite://")
    AuditEntry.__table__.create(engine)  # type: ignore[attr-defined]
    after = {
        "id": 1,
        "source_id": "F-000001",
        "approval": "approved",
        "found_date": "2024-05-02",
        "date_precision": "day",
        "category": "at_mine",
        "eo_model_id": 3,
        "quantity": 1,
        "condition": None,
        "depth_cm": None,
        "disposal": None,
        "organisation_id": 2,
        "activity_id": None,
        "hazard_id": None,
        "admin_area_id": 17,
        "geom": "POINT (46.9312345678912 39.9912345678912)",
    }
    times = []
    with engine.begin() as conn:
        for _ in range(5):
            started = time.process_time()
            afters = [audit_chain.json_text({**after, "id": i}) for i in range(rows)]
            columns: dict[str, Any] = {
                "at": dt.datetime.now(dt.UTC),
                "actor": "import",
                "action": "create",
                "kind": "findings",
                "record_id": list(range(rows)),
                "record_version": 1,
                "note": "import of findings.csv",
            }
            audit_chain.seal_columns(conn, columns, rows, afters)
            times.append((time.process_time() - started) / rows)
    return statistics.median(times)


if __name__ == "__main__":
    main()
