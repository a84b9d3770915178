"""Running the real ``mineaction`` entry point in-process, as a user would."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from mineaction.cli import main


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """Return a function that runs ``mineaction ARGS`` and returns its exit code and output."""
    monkeypatch.setenv("COLUMNS", "200")  # no wrapping of long sentences

    def _run(*args: str) -> Result:
        capsys.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return _run
