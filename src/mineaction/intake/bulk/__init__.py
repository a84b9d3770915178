"""The bulk path of an import: large files of findings, checked and written in chunks.

``pipeline.import_file`` hands a file here when ``takes`` says the bulk path
knows its kind; the result (records, ids, history, problems) is the per-row
path's, found faster: see ``run`` for how, and docs/import-formats.md.
"""

from __future__ import annotations

from typing import Any

from mineaction.intake.bulk.run import BULK_KINDS, import_table
from mineaction.intake.kinds import Kind

__all__ = ["import_table", "takes"]


def takes(kind: Kind, mapping: Any) -> bool:
    """Tell whether the bulk path imports files of ``kind`` (mapped files go row by row)."""
    return mapping is None and kind.name in BULK_KINDS
