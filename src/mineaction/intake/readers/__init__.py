"""File readers for intake: CSV, Excel, GeoJSON, GeoPackage and zipped Shapefiles.

``open_table(path)`` chooses a reader by extension, then by content, and returns
a ``Table`` whose ``rows()`` streams ``SourceRow`` objects. A file that cannot be
read is refused with a ValidationError naming the file, row and column.
``flatten_odk`` and ``open_repeat`` read ODK Central and KoboToolbox exports.
"""

from mineaction.intake.readers.base import OpenOptions, SourceRow, Table, Value
from mineaction.intake.readers.crs import to_wgs84
from mineaction.intake.readers.odk import flatten_odk, looks_like_odk, open_repeat
from mineaction.intake.readers.open import open_table
from mineaction.intake.readers.registry import READERS, reader_class
from mineaction.intake.readers.zip_safety import DEFAULT_LIMITS, ZipLimits

__all__ = [
    "DEFAULT_LIMITS",
    "READERS",
    "OpenOptions",
    "SourceRow",
    "Table",
    "Value",
    "ZipLimits",
    "flatten_odk",
    "looks_like_odk",
    "open_repeat",
    "open_table",
    "reader_class",
    "to_wgs84",
]
