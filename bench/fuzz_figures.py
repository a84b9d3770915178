"""Hostile-input figures: run the fuzzers with the big budget and tabulate what they did.

Runs tests/hardening/test_fuzz_importers.py and test_fuzz_api.py with
``MINEACTION_FUZZ=figures`` (400 mutated files per seed, 600 requests per role
and backend) and prints, as Markdown for docs/reliability.md, the files fuzzed
per format, the requests per role and backend, their status codes, and the
failures (any failure fails the run, so a table is only printed for a clean one).

    python bench/fuzz_figures.py [--tally /tmp/fuzz-tally.json] [--only importers|api]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = {
    "importers": "tests/hardening/test_fuzz_importers.py::"
    "test_a_damaged_file_is_refused_cleanly_or_imported_whole",
    "api": "tests/hardening/test_fuzz_api.py",
}


def run(target: str, tally: Path) -> float:
    """Run one fuzz test file with the big budget; return its wall time in seconds."""
    env = {
        **os.environ,
        "MINEACTION_FUZZ": "figures",
        "MINEACTION_FUZZ_TALLY": str(tally),
        "MINEACTION_REQUIRE_POSTGIS": "1",
        "PYTHONPATH": str(ROOT / "src"),
    }
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", TESTS[target], "-n0", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        env=env,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"the {target} fuzzer found failures (exit {done.returncode})")
    return time.perf_counter() - started


def table(counts: dict[str, int], prefix: str, label: str) -> list[str]:
    """Return Markdown rows for the counts whose key starts with ``prefix``."""
    rows = [f"| {label} | count |", "|---|---:|"]
    for key in sorted(k for k in counts if k.startswith(prefix)):
        rows.append(f"| {key.removeprefix(prefix)} | {counts[key]:,} |")
    return rows


def main() -> None:
    """Run the fuzzers chosen and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tally", type=Path, default=Path("/tmp/mineaction-fuzz-tally.json"))
    parser.add_argument("--only", choices=sorted(TESTS))
    args = parser.parse_args()
    args.tally.unlink(missing_ok=True)
    seconds = {t: run(t, args.tally) for t in ([args.only] if args.only else TESTS)}
    counts = json.loads(args.tally.read_text())
    lines = [*table(counts, "files ", "format / outcome"), ""]
    lines += [*table(counts, "mutation ", "mutation family"), ""]
    lines += [*table(counts, "requests ", "role / backend"), ""]
    lines += [*table(counts, "status ", "HTTP status"), ""]
    lines += [f"wall time {t}: {s / 60:.1f} min" for t, s in seconds.items()]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
