"""analytics layer: pure functions of the records and their parameters (reports, verification)."""
