"""Column mappings: import a foreign spreadsheet as it is, described by a small YAML file.

A mapping says which source column (or constant, template or year+month) makes
each canonical column, translates values ("Herido" → injured), can turn one
source row into several canonical rows, filter rows, and create the
administrative areas a register names but the database lacks.  The grammar is
documented in docs/import-formats.md ("Column mappings"); worked examples are
in docs/examples/.

``load_mapping(path)`` returns a ``Mapping``, the ``RowMapper`` that
``pipeline.import_file(..., mapping=...)`` takes.
"""

from mineaction.intake.mapping.mapper import Mapping
from mineaction.intake.mapping.spec import load_mapping

__all__ = ["Mapping", "load_mapping"]
