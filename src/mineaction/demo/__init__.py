"""The synthetic demo data set: `mineaction demo` builds it into an empty database.

The liberated territories of Azerbaijan (Karabakh and East Zangazur),
November 2020 to December 2024, at the magnitudes of the agency's public
reports, and flagged as synthetic so that every output says so.
"""

from mineaction.demo.build import build_demo
from mineaction.demo.summary import DemoSummary

__all__ = ["DemoSummary", "build_demo"]
